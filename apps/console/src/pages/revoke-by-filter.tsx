import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  encodeQuery,
  parseTimestamp,
  type RevokeByFilterRequest,
  type RevokeByFilterResponse,
  type Timestamp,
  type TokenFilterRequest,
} from '@tokenwarden/contracts';
import { type FormEvent, useEffect, useState } from 'react';
import { ErrorMessage } from '../components/error-message';
import { isValidReason, ReasonField } from '../components/reason-field';
import { RevocationProgress } from '../components/revocation-progress';
import { RevokedIds } from '../components/revoked-ids';
import { SnapshotBar } from '../components/snapshot-bar';
import { TokenIdGrid } from '../components/token-links';
import { optionalText, useLang } from '../i18n';
import { activeFilters, atSnapshot, type ListState, listSearch, readListState } from '../list-query';
import { Link, navigate, paths } from '../router';
import { confirmRevocation, newIdempotencyKey, REVOKED_PAGE_SIZE, TYPED_CONFIRMATION_ABOVE } from '../revocation-run';
import { useSession } from '../session';

const previewKey = (filters: TokenFilterRequest, snapshot: Timestamp | undefined) => ['revocation', 'preview', filters, snapshot ?? null] as const;

/**
 * Revoke every token the list's filters select at its snapshot (the list's own address,
 * so what the auditor reviewed is what is revoked): a dry run first (the count and the
 * first ids), then a reason and, for many tokens, the count typed back; the confirmation
 * carries the dry run's snapshot and one idempotency key for all its retries.
 */
export function RevokeByFilterPage({ search }: { search: string }) {
  const { t } = useLang();
  const read = readListState(search);
  if (!read.ok) {
    return (
      <>
        <h1 tabIndex={-1}>{t('bulk.title')}</h1>
        <div className="error" role="alert">
          <p>{t('error.url', { fields: read.fields.join(', ') })}</p>
          <Link to={paths.tokens()}>{t('details.back')}</Link>
        </div>
      </>
    );
  }
  return <RevokeByFilter state={read.state} />;
}

function RevokeByFilter({ state }: { state: ListState }) {
  const { t } = useLang();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const filters = activeFilters(state);
  const snapshot = state.page_params.first_request_timestamp;
  const preview = useQuery({
    queryKey: previewKey(filters, snapshot),
    queryFn: () => client.tokens.revokeByFilter({ ...filters, ...(snapshot ? { first_request_timestamp: snapshot } : {}), dry_run: true }),
    // A dry run is recorded as a listing: one per visit of this screen, never again behind the user's back.
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
  });
  const data = preview.data;

  // An address without a snapshot gets the dry run's, as the list pins its own.
  useEffect(() => {
    if (snapshot || !data) return;
    const pinned = atSnapshot(state, parseTimestamp(data.snapshot));
    queryClient.setQueryData(previewKey(filters, pinned.page_params.first_request_timestamp), data);
    navigate(paths.revoke(listSearch(pinned)), { replace: true });
  }, [snapshot, data, state, filters, queryClient]);

  return (
    <>
      <p>
        <Link to={paths.tokens(listSearch(state))}>← {t('details.back')}</Link>
      </p>
      <h1 tabIndex={-1}>{t('bulk.title')}</h1>
      <p className="hint">{t('bulk.help')}</p>
      <FilterSummary filters={filters} />
      <SnapshotBar
        snapshot={data?.snapshot}
        busy={preview.isFetching}
        help="snapshot.revokeHelp"
        onNew={() => navigate(paths.revoke(listSearch(atSnapshot(state, undefined))), { replace: true })}
      />
      {preview.isError ? (
        <ErrorMessage error={preview.error} onRetry={() => preview.refetch()} />
      ) : !data ? (
        <p role="status" className="loading">
          {t('bulk.counting')}
        </p>
      ) : (
        // A new dry run (another snapshot) is another revocation: its form starts afresh.
        <Confirmation key={data.snapshot} filters={filters} preview={data} />
      )}
    </>
  );
}

/** The filters the revocation applies, in words; none is every token the caller may see, said so. */
function FilterSummary({ filters }: { filters: TokenFilterRequest }) {
  const { t, lang } = useLang();
  const entries = Object.entries(filters);
  return (
    <section className="bulk-filters" aria-labelledby="bulk-filters-title">
      <h2 id="bulk-filters-title">{t('bulk.filters')}</h2>
      {entries.length === 0 ? (
        <p className="notice">{t('bulk.noFilter')}</p>
      ) : (
        <ul className="chips">
          {entries.map(([key, value]) => (
            <li key={key} data-filter={key}>
              {optionalText(lang, `field.${key}`) ?? key}:{' '}
              <strong>{(Array.isArray(value) ? value : [value]).map((v) => optionalText(lang, `value.${String(v)}`) ?? String(v)).join(', ')}</strong>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The dry run's answer, the reason and confirmation, then the run and its result. */
function Confirmation({ filters, preview }: { filters: TokenFilterRequest; preview: RevokeByFilterResponse }) {
  const { t } = useLang();
  const { client, grant } = useSession();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  // Fixed once sent: every retry is this request, with its idempotency key.
  const [request, setRequest] = useState<RevokeByFilterRequest>();
  const run = useMutation({
    mutationFn: (r: RevokeByFilterRequest) => confirmRevocation(client, r),
    // Every list and token page shows the revoked tokens as revoked; the trail has the event.
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: ['tokens'] }), queryClient.invalidateQueries({ queryKey: ['events'] })]),
  });

  const count = preview.matched;
  const needsTyping = count > TYPED_CONFIRMATION_ABOVE;
  const ready = isValidReason(reason) && (!needsTyping || typed.trim() === String(count)) && count > 0;
  const ownAmong = grant !== undefined && preview.token_ids.includes(grant.tokenId);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!ready || request) return;
    const next: RevokeByFilterRequest = {
      ...filters,
      first_request_timestamp: parseTimestamp(preview.snapshot),
      reason: reason.trim(),
      idempotency_key: newIdempotencyKey(),
      page_size: REVOKED_PAGE_SIZE,
    };
    setRequest(next);
    run.mutate(next);
  };

  return (
    <>
      <section className="bulk-preview" aria-labelledby="bulk-preview-title">
        <h2 id="bulk-preview-title">{t('bulk.dryRun')}</h2>
        <p className="big-number">
          <span className="value" data-testid="bulk-matched">
            {count.toLocaleString()}
          </span>{' '}
          {t('bulk.matched')}
        </p>
        {ownAmong && (
          <p className="notice" role="note">
            {t('bulk.ownToken')}
          </p>
        )}
      </section>
      {count === 0 ? (
        <p className="empty">{t('bulk.nothing')}</p>
      ) : (
        <form className="bulk-confirm" onSubmit={submit} aria-labelledby="bulk-confirm-title">
          <h2 id="bulk-confirm-title">{t('bulk.confirmTitle')}</h2>
          <ReasonField id="bulk-reason" value={reason} onChange={setReason} disabled={request !== undefined} />
          {needsTyping && (
            <div className="field">
              <label htmlFor="bulk-typed">{t('bulk.typeCount', { n: count })}</label>
              <input
                id="bulk-typed"
                name="confirmation"
                inputMode="numeric"
                autoComplete="off"
                value={typed}
                disabled={request !== undefined}
                onChange={(e) => setTyped(e.target.value)}
              />
            </div>
          )}
          {request === undefined && (
            <div className="actions">
              <button type="submit" className="danger" disabled={!ready}>
                {t('bulk.confirm', { n: count.toLocaleString() })}
              </button>
            </div>
          )}
        </form>
      )}
      {request && run.isPending && <RevocationProgress expected={count} snapshot={preview.snapshot} reason={request.reason ?? ''} />}
      {request && run.isError && (
        <>
          <ErrorMessage error={run.error} />
          <p className="hint">{t('bulk.retryHelp')}</p>
          <div className="actions">
            <button type="button" onClick={() => run.mutate(request)}>
              {t('error.retry')}
            </button>
          </div>
        </>
      )}
      {request && run.data && <Result request={request} answer={run.data} expected={count} />}
      {/* After the form, so the keyboard reaches the reason before a hundred links; gone once the revoked ids are shown. */}
      {count > 0 && !run.data && (
        <section className="bulk-sample" aria-labelledby="bulk-sample-title">
          <h2 id="bulk-sample-title">{t('bulk.sampleLabel')}</h2>
          <p className="hint">{t('bulk.sample', { n: preview.token_ids.length, total: count.toLocaleString() })}</p>
          <TokenIdGrid ids={preview.token_ids} label={t('bulk.sampleLabel')} />
        </section>
      )}
    </>
  );
}

function Result({ request, answer, expected }: { request: RevokeByFilterRequest; answer: RevokeByFilterResponse; expected: number }) {
  const { t } = useLang();
  return (
    <section className="bulk-result" aria-labelledby="bulk-result-title">
      <h2 id="bulk-result-title">{t('bulk.result')}</h2>
      <p className="ok" role="status">
        {t('bulk.done', { n: answer.revoked.toLocaleString() })}
      </p>
      {answer.revoked < expected && <p className="hint">{t('bulk.fewer', { n: (expected - answer.revoked).toLocaleString() })}</p>}
      <p>
        {t('bulk.event')} <code>{answer.event_id}</code>{' '}
        <Link to={paths.activity(encodeQuery({ type: ['TOKENS_REVOKED_BY_FILTER'] }))}>{t('bulk.seeActivity')}</Link>
      </p>
      <RevokedIds request={request} first={answer} />
    </section>
  );
}
