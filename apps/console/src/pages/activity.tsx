import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ErrorMessage } from '../components/error-message';
import { EventFilterForm } from '../components/event-filter-form';
import { EventTable } from '../components/event-table';
import { atPageToken, type EventsRequest, eventsKey, eventsSearch, readEventsRequest } from '../events-query';
import { useLang } from '../i18n';
import { navigate, paths } from '../router';
import { useSession } from '../session';

/**
 * Pages walked in this tab: the address of an older page → the newer page it was reached
 * from. The trail pages forward only (`next_page_token`), so "Newer" goes back the way
 * this tab came; a shared address starts without it.
 */
const newerOf = new Map<string, string>();

/** The audit trail ("Activity"): its filters and page in the address, newest first. */
export function ActivityPage({ search }: { search: string }) {
  const { t } = useLang();
  const read = readEventsRequest(search);
  if (!read.ok) {
    return (
      <>
        <h1 tabIndex={-1}>{t('activity.title')}</h1>
        <div className="error" role="alert">
          <p>{t('error.url', { fields: read.fields.join(', ') })}</p>
          <button type="button" onClick={() => navigate(paths.activity())}>
            {t('list.clear')}
          </button>
        </div>
      </>
    );
  }
  return <Activity request={read.request} />;
}

function Activity({ request }: { request: EventsRequest }) {
  const { t } = useLang();
  const { client } = useSession();
  const query = useQuery({
    queryKey: eventsKey(request),
    queryFn: ({ signal }) => client.events.list(request, { signal }),
    placeholderData: keepPreviousData,
  });
  const data = query.data;
  const search = eventsSearch(request);
  const go = (next: EventsRequest) => navigate(paths.activity(eventsSearch(next)));
  const newer = newerOf.get(search);
  const older = (pageToken: string) => {
    const next = atPageToken(request, pageToken);
    newerOf.set(eventsSearch(next), search);
    go(next);
  };

  return (
    <>
      <h1 tabIndex={-1}>{t('activity.title')}</h1>
      <p className="hint">{t('activity.help')}</p>
      <EventFilterForm key={eventsSearch(atPageToken(request, undefined))} request={request} onApply={go} />
      {query.isError ? (
        <ErrorMessage error={query.error} onRetry={() => query.refetch()} />
      ) : !data ? (
        <p role="status" className="loading">
          {t('activity.loading')}
        </p>
      ) : (
        <div aria-busy={query.isFetching}>
          <div className="snapshot">
            <span className="total" role="status">
              {t('activity.count', { n: data.events.length })}
            </span>
            <button type="button" onClick={() => query.refetch()} disabled={query.isFetching}>
              {t('activity.refresh')}
            </button>
          </div>
          {data.events.length === 0 ? (
            <p className="empty">{t('activity.empty')}</p>
          ) : (
            <EventTable events={data.events} caption={t('activity.caption')} />
          )}
          <nav className="pager" aria-label={t('activity.pages')}>
            <button type="button" onClick={() => go(atPageToken(request, undefined))} disabled={request.page_token === undefined}>
              {t('activity.newest')}
            </button>
            <button type="button" onClick={() => newer !== undefined && navigate(paths.activity(newer))} disabled={newer === undefined}>
              {t('activity.newer')}
            </button>
            <button type="button" onClick={() => data.next_page_token && older(data.next_page_token)} disabled={!data.next_page_token}>
              {t('activity.older')}
            </button>
          </nav>
        </div>
      )}
    </>
  );
}
