import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { RevokeByFilterRequest, RevokeByFilterResponse } from '@tokenwarden/contracts';
import { useState } from 'react';
import { useLang } from '../i18n';
import { useSession } from '../session';
import { ErrorMessage } from './error-message';
import { TokenIdGrid } from './token-links';

/**
 * The ids a revocation revoked, a page at a time: the confirmation's answer is the first
 * page; the next ones are the same request (same idempotency key: the same revocation,
 * answered again, never repeated) with the previous answer's `next_page_token`.
 */
export function RevokedIds({ request, first }: { request: RevokeByFilterRequest; first: RevokeByFilterResponse }) {
  const { t } = useLang();
  const { client } = useSession();
  // The page tokens walked: [] is the first page; Previous pops, Next pushes.
  const [trail, setTrail] = useState<string[]>([]);
  const pageToken = trail[trail.length - 1];
  const query = useQuery({
    queryKey: ['revocation', request.idempotency_key, 'ids', pageToken ?? null],
    queryFn: () => client.tokens.revokeByFilter({ ...request, ...(pageToken ? { page_token: pageToken } : {}) }),
    enabled: pageToken !== undefined,
    placeholderData: keepPreviousData,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const page = pageToken === undefined ? first : query.data;
  const from = trail.length * (request.page_size ?? first.token_ids.length) + 1;
  return (
    <section className="revoked-ids" aria-labelledby="revoked-ids-title">
      <h2 id="revoked-ids-title">{t('bulk.revokedIds')}</h2>
      {query.isError ? (
        <ErrorMessage error={query.error} onRetry={() => query.refetch()} />
      ) : !page ? (
        <p role="status" className="loading">
          {t('bulk.loadingIds')}
        </p>
      ) : (
        <div aria-busy={query.isFetching}>
          <TokenIdGrid ids={page.token_ids} label={t('bulk.revokedIds')} />
          <nav className="pager" aria-label={t('bulk.idPages')}>
            <button type="button" onClick={() => setTrail((p) => p.slice(0, -1))} disabled={trail.length === 0}>
              {t('pager.prev')}
            </button>
            <span className="pager-status" aria-live="polite">
              {page.token_ids.length === 0
                ? t('bulk.idsNone')
                : t('bulk.idsRange', { from, to: from + page.token_ids.length - 1, total: first.revoked.toLocaleString() })}
            </span>
            <button
              type="button"
              onClick={() => page.next_page_token && setTrail((p) => [...p, page.next_page_token as string])}
              disabled={!page.next_page_token || query.isFetching}
            >
              {t('pager.next')}
            </button>
          </nav>
        </div>
      )}
    </section>
  );
}
