import { encodeQuery, type TokenEvent } from '@tokenwarden/contracts';
import { formatInstant, shortId } from '../format';
import { optionalText, useLang } from '../i18n';
import { Link, paths } from '../router';
import { TokenLink } from './token-links';

/** Tokens an event row shows as links before the rest fold away. */
const TOKENS_SHOWN = 3;

/**
 * One page of the audit trail: when, what, who, which tokens (each linking to its details)
 * and why; the event's id, request id and what was asked fold out under "More".
 */
export function EventTable({ events, caption }: { events: readonly TokenEvent[]; caption: string }) {
  const { t } = useLang();
  return (
    <div className="table-wrap">
      <table className="tokens events">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('event.occurred_at')} (UTC)</th>
            <th scope="col">{t('event.type')}</th>
            <th scope="col">{t('event.actor')}</th>
            <th scope="col">{t('event.tokens')}</th>
            <th scope="col">{t('event.reason')}</th>
            <th scope="col">{t('event.details')}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <EventRow key={e.event_id} event={e} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EventRow({ event: e }: { event: TokenEvent }) {
  const { t, lang } = useLang();
  const shown = e.token_ids.slice(0, TOKENS_SHOWN);
  const folded = e.token_ids.slice(TOKENS_SHOWN);
  const unlisted = e.token_count - e.token_ids.length;
  // What was asked (filters, snapshot, totals) as the API wrote it: the trail's own words.
  const facts: [string, string][] = [
    [t('event.id'), e.event_id],
    [t('event.request'), e.request_id ?? t('none')],
    ...Object.entries(e.details ?? {}).map(([key, value]): [string, string] => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  ];
  return (
    <tr data-event-id={e.event_id} data-type={e.type}>
      <td>
        <time dateTime={e.occurred_at} title={e.occurred_at}>
          {formatInstant(e.occurred_at, false)}
        </time>
      </td>
      <td>
        <span className={`event-type ${e.type.toLowerCase()}`}>{optionalText(lang, `value.${e.type}`) ?? e.type}</span>
        {!e.completed && <span className="badge running">{t('event.running')}</span>}
      </td>
      <td className="actor">
        <Actor actor={e.actor} />
      </td>
      <td className="event-tokens">
        {e.token_count === 0 ? (
          t('none')
        ) : (
          <>
            {e.token_count > 1 && <span className="count">{t('event.tokenCount', { n: e.token_count.toLocaleString() })} </span>}
            {shown.map((id) => (
              <span key={id}>
                <TokenLink id={id} />{' '}
              </span>
            ))}
            {folded.length > 0 && (
              <details>
                <summary>{t('event.moreTokens', { n: folded.length })}</summary>
                {folded.map((id) => (
                  <span key={id}>
                    <TokenLink id={id} />{' '}
                  </span>
                ))}
              </details>
            )}
            {unlisted > 0 && <span className="hint">{t('event.unlisted', { n: unlisted.toLocaleString() })}</span>}
          </>
        )}
      </td>
      <td className="reason" data-field="reason">
        {e.reason ?? t('none')}
      </td>
      <td className="more">
        <details>
          <summary>{t('event.more')}</summary>
          <dl>
            {facts.map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd className="mono">{value}</dd>
              </div>
            ))}
          </dl>
        </details>
      </td>
    </tr>
  );
}

/**
 * Who acted: the client and the user (each linking to the trail of what else they did) and
 * the token (a link to its details); a sign-in has no token, the operator none of them.
 */
function Actor({ actor }: { actor: TokenEvent['actor'] }) {
  const { t } = useLang();
  if (actor.token_id === null && actor.client_id === null && actor.user_id === null) return <>{t('event.operator')}</>;
  return (
    <>
      {actor.client_id && (
        <Link to={paths.activity(encodeQuery({ actor_client_id: actor.client_id }))} className="line" title={t('event.byClient')}>
          {actor.client_id}
        </Link>
      )}
      {actor.user_id && (
        <Link to={paths.activity(encodeQuery({ actor_user_id: actor.user_id }))} className="line" title={`${t('event.byUser')} ${actor.user_id}`}>
          {t('event.user', { id: shortId(actor.user_id) })}
        </Link>
      )}
      {actor.token_id && (
        <span className="line">
          {t('event.via')} <TokenLink id={actor.token_id} />
        </span>
      )}
    </>
  );
}
