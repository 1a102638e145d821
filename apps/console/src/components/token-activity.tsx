import { useQuery } from '@tanstack/react-query';
import { encodeQuery } from '@tokenwarden/contracts';
import { eventsKey } from '../events-query';
import { useLang } from '../i18n';
import { Link, paths } from '../router';
import { useSession } from '../session';
import { ErrorMessage } from './error-message';
import { EventTable } from './event-table';

/** Events a token's page shows; the rest are on the Activity page, filtered by the token. */
const TOKEN_EVENTS_SHOWN = 10;

/** What happened to one token (issued, listed in bulk, revoked…): the trail filtered by its id. */
export function TokenActivity({ tokenId }: { tokenId: string }) {
  const { t } = useLang();
  const { client } = useSession();
  const request = { token_id: tokenId, page_size: TOKEN_EVENTS_SHOWN };
  const query = useQuery({ queryKey: eventsKey(request), queryFn: ({ signal }) => client.events.list(request, { signal }) });
  const data = query.data;
  return (
    <section className="token-activity" aria-labelledby="token-activity-title">
      <h2 id="token-activity-title">{t('details.activity')}</h2>
      {query.isError ? (
        <ErrorMessage error={query.error} onRetry={() => query.refetch()} />
      ) : !data ? (
        <p role="status" className="loading">
          {t('activity.loading')}
        </p>
      ) : data.events.length === 0 ? (
        <p className="empty">{t('details.noActivity')}</p>
      ) : (
        <EventTable events={data.events} caption={t('details.activity')} />
      )}
      {data?.next_page_token && (
        <p>
          <Link to={paths.activity(encodeQuery({ token_id: tokenId }))}>{t('details.allActivity')}</Link>
        </p>
      )}
    </section>
  );
}
