import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { decodeQuery, encodeQuery, parseTimestamp, type TokenSummary, TokenSummaryInput, type TokenSummaryRequest } from '@tokenwarden/contracts';
import { useEffect } from 'react';
import { BarList, Columns } from '../components/charts';
import { ErrorMessage } from '../components/error-message';
import { SnapshotBar } from '../components/snapshot-bar';
import { optionalText, useLang } from '../i18n';
import { navigate, paths } from '../router';
import { useSession } from '../session';

const summaryKey = (request: TokenSummaryRequest) => ['summary', request] as const;

/**
 * The overview: figures the server computes at a snapshot (tokens.summary), never by
 * downloading tokens. Like the list, the snapshot goes into the address once taken.
 */
export function OverviewPage({ search }: { search: string }) {
  const { t } = useLang();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const decoded = decodeQuery(TokenSummaryInput, search);
  const request: TokenSummaryRequest = decoded.ok ? decoded.value : {};
  const query = useQuery({
    queryKey: summaryKey(request),
    queryFn: ({ signal }) => client.tokens.summary(request, { signal }),
    placeholderData: keepPreviousData,
  });
  const data = query.data;

  useEffect(() => {
    if (request.first_request_timestamp || !data || query.isPlaceholderData) return;
    const pinned = { first_request_timestamp: parseTimestamp(data.first_request_timestamp) };
    queryClient.setQueryData(summaryKey(pinned), data);
    navigate(paths.overview(encodeQuery(pinned)), { replace: true });
  }, [request.first_request_timestamp, data, query.isPlaceholderData, queryClient]);

  return (
    <>
      <h1 tabIndex={-1}>{t('overview.title')}</h1>
      <SnapshotBar snapshot={data?.first_request_timestamp} busy={query.isFetching} onNew={() => navigate(paths.overview())} />
      {query.isError ? (
        <ErrorMessage error={query.error} onRetry={() => query.refetch()} />
      ) : !data ? (
        <p role="status" className="loading">
          {t('overview.loading')}
        </p>
      ) : (
        <Charts summary={data} />
      )}
    </>
  );
}

function Charts({ summary }: { summary: TokenSummary }) {
  const { t, lang } = useLang();
  const { active } = summary;
  const usedRecently = active.total - active.never_used - active.unused_30_days;
  return (
    <div className="overview">
      <p className="big-number">
        <span className="value" data-testid="active-total">
          {active.total.toLocaleString()}
        </span>{' '}
        {t('overview.active')}
      </p>
      <div className="charts">
        <BarList
          title={t('overview.byFlow')}
          empty={t('overview.noData')}
          bars={active.by_grant_flow.map((f) => ({ label: optionalText(lang, `value.${f.grant_flow}`) ?? f.grant_flow, value: f.count }))}
        />
        <BarList title={t('overview.byRole')} empty={t('overview.noData')} bars={active.by_role.map((r) => ({ label: r.role, value: r.count }))} />
        <BarList
          title={t('overview.usage')}
          empty={t('overview.noData')}
          bars={[
            { label: t('overview.usedRecently'), value: usedRecently },
            { label: t('overview.unused30'), value: active.unused_30_days },
            { label: t('overview.neverUsed'), value: active.never_used },
          ]}
        />
        <Columns
          title={t('overview.expiring')}
          columns={summary.expiring_next_7_days.map((w, i) => ({
            label: `+${i + 1}d`,
            title: `${w.from.slice(0, 16)}Z – ${w.to.slice(0, 16)}Z`,
            value: w.count,
          }))}
        />
      </div>
      <Columns
        title={t('overview.created')}
        labelEvery={5}
        columns={summary.created_per_day.map((d) => ({ label: d.day.slice(5), title: d.day, value: d.count }))}
      />
    </div>
  );
}
