import { useQuery } from '@tanstack/react-query';
import { SCOPES } from '@tokenwarden/contracts';
import type { EventsRequest } from '../events-query';
import { useLang } from '../i18n';
import { useSession } from '../session';

/** How often a running revocation's event is read. */
const POLL_MS = 500;

/**
 * A revocation by filter while it runs. Its TOKENS_REVOKED_BY_FILTER event grows batch by
 * batch, so when the trail may be read the bar shows how many are revoked so far (the run's
 * event: this token's, with this reason and snapshot); else it only says it is running.
 */
export function RevocationProgress({ expected, snapshot, reason }: { expected: number; snapshot: string; reason: string }) {
  const { t } = useLang();
  const { client, may, grant } = useSession();
  const request: EventsRequest = { type: ['TOKENS_REVOKED_BY_FILTER'], page_size: 5, ...(grant ? { actor_token_id: grant.tokenId } : {}) };
  const query = useQuery({
    queryKey: ['events', 'progress', request],
    queryFn: ({ signal }) => client.events.list(request, { signal }),
    enabled: may(SCOPES.events),
    refetchInterval: POLL_MS,
  });
  const event = query.data?.events.find((e) => e.reason === reason && e.details?.snapshot === snapshot);
  const done = event?.token_count;
  return (
    <div className="progress">
      <progress max={Math.max(expected, 1)} value={done} aria-label={t('bulk.revoking')} />
      <span role="status">
        {done === undefined ? t('bulk.running', { n: expected.toLocaleString() }) : t('bulk.progress', { done, total: expected })}
      </span>
    </div>
  );
}
