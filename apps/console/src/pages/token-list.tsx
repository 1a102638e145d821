import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { parseTimestamp, SCOPES, type Timestamp } from '@tokenwarden/contracts';
import { useEffect } from 'react';
import { ErrorMessage } from '../components/error-message';
import { ExportPanel } from '../components/export-panel';
import { FilterForm } from '../components/filter-form';
import { Pager } from '../components/pager';
import { SnapshotBar } from '../components/snapshot-bar';
import { TokenTable } from '../components/token-table';
import { useLang } from '../i18n';
import { atPage, atSnapshot, type ListState, listSearch, readListState, requestOf } from '../list-query';
import { Link, navigate, paths } from '../router';
import { useSession } from '../session';

export const listKey = (state: ListState) => ['tokens', 'list', requestOf(state)] as const;

/**
 * The token list. Its whole state is in the address: the first answer's snapshot is put
 * there (replacing the address, so Back skips it), and every later page, filter and
 * export of this view is of that snapshot until "Take a new snapshot".
 */
export function TokenListPage({ search }: { search: string }) {
  const { t } = useLang();
  const read = readListState(search);
  if (!read.ok) {
    return (
      <>
        <h1 tabIndex={-1}>{t('list.title')}</h1>
        <div className="error" role="alert">
          <p>{t('error.url', { fields: read.fields.join(', ') })}</p>
          <button type="button" onClick={() => navigate(paths.tokens())}>
            {t('list.clear')}
          </button>
        </div>
      </>
    );
  }
  return <TokenList state={read.state} />;
}

function TokenList({ state }: { state: ListState }) {
  const { t } = useLang();
  const { client, may } = useSession();
  const queryClient = useQueryClient();
  const request = requestOf(state);
  const query = useQuery({
    queryKey: listKey(state),
    queryFn: ({ signal }) => client.tokens.list(request, { signal }),
    placeholderData: keepPreviousData,
  });
  const data = query.data;
  const snapshot = state.page_params.first_request_timestamp;

  // Pin the snapshot the server took into the address; the answer is already the one for it.
  useEffect(() => {
    if (snapshot || !data || query.isPlaceholderData) return;
    const pinned = {
      ...state,
      page_params: { ...state.page_params, first_request_timestamp: parseTimestamp(data.pagination_info.first_request_timestamp) },
    };
    queryClient.setQueryData(listKey(pinned), data);
    navigate(paths.tokens(listSearch(pinned)), { replace: true });
  }, [snapshot, data, query.isPlaceholderData, state, queryClient]);

  const go = (next: ListState) => navigate(paths.tokens(listSearch(next)));
  const info = data?.pagination_info;
  return (
    <>
      <h1 tabIndex={-1}>{t('list.title')}</h1>
      <FilterForm key={listSearch(atPage(state, 1))} state={state} onApply={go} />
      <SnapshotBar snapshot={info?.first_request_timestamp} busy={query.isFetching} onNew={() => go(atSnapshot(state, undefined))} />
      {query.isError ? (
        <ErrorMessage error={query.error} onRetry={() => query.refetch()} />
      ) : !data ? (
        <p role="status" className="loading">
          {t('list.loading')}
        </p>
      ) : (
        <div aria-busy={query.isFetching}>
          <p className="total" role="status">
            {t('list.total', { n: data.pagination_info.total_elements.toLocaleString() })}
          </p>
          {data.tokens.length === 0 ? (
            <p className="empty">{t('list.empty')}</p>
          ) : (
            <TokenTable
              tokens={data.tokens}
              caption={t('list.caption', { page: data.pagination_info.current_page, pages: data.pagination_info.total_pages })}
            />
          )}
          <Pager
            // A page token in the address leads to the page its answer names.
            page={state.page_token === undefined ? (state.page_params.page_number ?? 1) : data.pagination_info.current_page}
            pages={data.pagination_info.total_pages}
            onPage={(n) => go(atPage(state, n))}
          />
        </div>
      )}
      <div className="list-actions">
        <ExportPanel state={state} snapshot={snapshot} />
        {may(SCOPES.revoke) && <RevokePanel state={state} snapshot={snapshot} />}
      </div>
    </>
  );
}

/** The way to revoke what the list shows: every token of its filters at its snapshot, on a screen of its own (dry run first). */
function RevokePanel({ state, snapshot }: { state: ListState; snapshot: Timestamp | undefined }) {
  const { t } = useLang();
  return (
    <section className="export bulk" aria-labelledby="bulk-panel-title">
      <h2 id="bulk-panel-title">{t('bulk.panel')}</h2>
      <p className="hint">{t('bulk.panelHelp')}</p>
      <div className="actions">
        {snapshot ? (
          <Link to={paths.revoke(listSearch(state))} className="button danger-outline">
            {t('bulk.open')}
          </Link>
        ) : (
          <button type="button" className="danger-outline" disabled>
            {t('bulk.open')}
          </button>
        )}
      </div>
    </section>
  );
}
