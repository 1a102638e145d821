import {
  accessTokenFormat,
  API,
  DRY_RUN_SAMPLE,
  formatTimestamp,
  MAX_LEAKED_TOKENS,
  MAX_REVOKED_PAGE,
  parseTimestamp,
  SCOPES,
  timestampToMicrosFloor,
  type RevokeByFilterResponse,
  type RevokeLeakedResponse,
  type Timestamp,
} from '@tokenwarden/contracts';
import type { EventRecord, EventSpec } from '@tokenwarden/db';
import type { z } from 'zod';
import { visibleUser } from '../auth.js';
import type { Deps } from '../context.js';
import { ApiError, fail } from '../errors.js';
import { resolveSnapshot } from '../list/snapshots.js';
import { fingerprint } from '../page-tokens.js';
import { eventBy } from '../services/audit.js';
import { previewRevocation, runRevocation, type Selection } from '../services/bulk-revocation.js';
import { hashAccessToken } from '../token-secrets.js';
import { implement } from './define.js';
import { EXAMPLE_TOKEN_ID, snapshotPurged, tooLarge, unauthenticated } from './docs.js';
import { recordedFilters, visibleFilters } from './tokens.js';

export const revokeLeakedTokens = implement(API.tokens.revokeLeaked, {
  async handler(ctx, principal, input) {
    const { deps } = ctx;
    const userId = visibleUser(principal);
    // The shape and checksum are checked offline: a string that cannot be a token is never looked up.
    const wellFormed = input.tokens.filter((raw) => accessTokenFormat(raw) !== 'malformed');
    const hashes = [...new Set(wellFormed)].map(hashAccessToken);
    const malformed = input.tokens.length - wellFormed.length;
    const event = eventBy(ctx, principal, input.reason ?? null, { submitted: input.tokens.length, malformed });
    const result = await deps.tokens.revokeMany(principal.entityPk, { hashes }, { type: 'TOKENS_REVOKED_LEAKED', event, userId });
    deps.log.info(
      {
        event: 'tokens.revoked_leaked',
        submitted: input.tokens.length,
        matched: result.matched,
        revoked: result.revoked.length,
        by: principal.tokenId,
      },
      'leaked tokens revoked',
    );
    return {
      submitted: input.tokens.length,
      malformed,
      matched: result.matched,
      revoked: result.revoked.length,
      already_revoked: result.matched - result.revoked.length,
      revoked_token_ids: result.revoked,
      event_id: event.eventId,
    };
  },
  docs: {
    summary: 'Revoke leaked tokens',
    description:
      `Takes up to ${MAX_LEAKED_TOKENS} raw token strings found where they should not be (a repository, a log, a ticket) and ` +
      'revokes those that are tokens of the caller’s entity (for a user token without an admin role: of its own user). ' +
      'It answers how many matched, never which strings belong to other entities: such a string counts exactly like ' +
      'a string that is no token. Strings that cannot be tokens by their shape or checksum (see the token format) are ' +
      'counted as `malformed` and never looked up. The report is recorded as one TOKENS_REVOKED_LEAKED event (the raw strings never are).',
    requestBody: {
      description: 'The raw strings, and an optional reason kept with the revoked tokens and the event.',
      mediaTypes: ['application/json'],
      examples: {
        report: {
          summary: 'Two strings from a public repository',
          value: { tokens: ['twat_…', 'not-a-token'], reason: 'pushed to a public repository' },
        },
      },
    },
    success: {
      description: 'What the report did in the caller’s entity.',
      example: {
        submitted: 2,
        malformed: 1,
        matched: 1,
        revoked: 1,
        already_revoked: 0,
        revoked_token_ids: [EXAMPLE_TOKEN_ID],
        event_id: '5f0c7a52-3f0e-4c7e-9d2a-8c1f4e6b2a11',
      } satisfies z.input<typeof RevokeLeakedResponse>,
    },
    errors: {
      INVALID_ARGUMENT: {
        description: `No strings, more than ${MAX_LEAKED_TOKENS}, a string longer than 256 characters, or an empty reason.`,
        examples: { tokens: ApiError.invalid([{ field: 'tokens', reason: 'invalid' }]) },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.revoke),
      PERMISSION_DENIED: {
        description: 'A user token without a user (an imported one) has no tokens of its own to revoke.',
        examples: { other_user: new ApiError('PERMISSION_DENIED', 'forbidden.other_user') },
      },
      RESOURCE_EXHAUSTED: tooLarge,
    },
    example: {
      input: { tokens: ['twat_not-a-real-token'] },
      rest: { path: '/v1/iam/oauth/tokens:revoke-leaked', body: { tokens: ['twat_not-a-real-token'] } },
    },
  },
});

/** What a page token of a revocation's ids holds: the request it is bound to, the event, and the last id served. */
interface RevokedCursor {
  f: string;
  k: number;
  a: string;
}

function invalid(field: string, reason: 'required' | 'invalid'): never {
  fail('INVALID_ARGUMENT', undefined, [{ field, reason }]);
}

/** The request's snapshot: a new one, or the one given if it is settled (one in the future would keep gaining tokens while they are revoked). */
async function settledSnapshot(deps: Deps, entityPk: number, given: Timestamp | undefined) {
  const snapshot = await resolveSnapshot(deps.tokens, deps.horizons, entityPk, given);
  if (!snapshot.settled) invalid('first_request_timestamp', 'invalid');
  return snapshot;
}

/** The event's own actor, request and reason: a revocation resumed by a retry stamps its tokens as the first request did. */
const specOf = (e: EventRecord): EventSpec => ({ eventId: e.eventId, actor: e.actor, requestId: e.requestId, reason: e.reason });

export const revokeTokensByFilter = implement(API.tokens.revokeByFilter, {
  async handler(ctx, principal, input) {
    const { deps } = ctx;
    const { first_request_timestamp: given, dry_run, reason, idempotency_key: key, page_size, page_token, ...asked } = input;
    const filters = visibleFilters(principal, asked);
    const userId = visibleUser(principal);
    const entityPk = principal.entityPk;
    if (dry_run) {
      const snapshot = await settledSnapshot(deps, entityPk, given);
      const sel: Selection = { entityPk, filters, snapshot: snapshot.micros, userId };
      const { matched, sample } = await previewRevocation(deps, sel, DRY_RUN_SAMPLE);
      const at = formatTimestamp(snapshot.timestamp);
      // A dry run shows tokens: it is a listing, and recorded as one.
      await deps.store.events.append(
        entityPk,
        'TOKENS_LISTED',
        eventBy(ctx, principal, null, { dry_run: true, filters: recordedFilters(asked), snapshot: at, matched }),
      );
      return { dry_run: true, snapshot: at, matched, revoked: 0, token_ids: sample, event_id: null, completed: true, next_page_token: null };
    }
    if (reason === undefined) invalid('reason', 'required');
    if (key === undefined) invalid('idempotency_key', 'required');

    // One revocation per key: a retry (same filters, reason and given snapshot) finds it and, if
    // it did not finish, finishes it; the same key for another request is a conflict. A retry is
    // looked up before any snapshot is taken or checked: it answers what the first request did.
    const bound = fingerprint({ filters, userId: userId ?? null, reason, given: given === undefined ? null : timestampToMicrosFloor(given) });
    let started = await deps.store.events.findByKey(entityPk, key);
    if (!started) {
      const snapshot = await settledSnapshot(deps, entityPk, given);
      const details = { filters: recordedFilters(asked), snapshot: formatTimestamp(snapshot.timestamp) };
      started = await deps.store.events.begin(entityPk, { ...eventBy(ctx, principal, reason, details), idempotencyKey: key, fingerprint: bound });
    }
    if (started.fingerprint !== bound) fail('FAILED_PRECONDITION', 'idempotency.reused', [{ field: 'idempotency_key', reason: 'reused' }]);
    const event = started.event;
    // The snapshot of the first request (a retry without one must not take a new one).
    const at = parseTimestamp(String(event.details?.snapshot));
    const sel: Selection = { entityPk, filters, snapshot: timestampToMicrosFloor(at), userId };
    if (event.completedAt === null) {
      await runRevocation(deps, sel, specOf(event), event.pk);
      deps.log.info({ event: 'tokens.revoked_by_filter', event_id: event.eventId, by: principal.tokenId }, 'tokens revoked by filter');
    }

    let after = '';
    if (page_token !== undefined) {
      const cursor = (await deps.pageTokens.open('revoked', entityPk, page_token)) as RevokedCursor | undefined;
      if (!cursor || cursor.f !== bound || cursor.k !== event.pk || typeof cursor.a !== 'string') invalid('page_token', 'invalid');
      after = cursor.a;
    }
    const done = (await deps.store.events.get(entityPk, event.eventId)) ?? event;
    const ids = await deps.store.events.targets(entityPk, event.pk, page_size + 1, after);
    const page = ids.slice(0, page_size);
    const last = page[page.length - 1];
    const next =
      ids.length > page_size && last
        ? await deps.pageTokens.seal('revoked', entityPk, { f: bound, k: event.pk, a: last } satisfies RevokedCursor)
        : null;
    return {
      dry_run: false,
      snapshot: formatTimestamp(at),
      matched: done.tokenCount,
      revoked: done.tokenCount,
      token_ids: page,
      event_id: event.eventId,
      completed: done.completedAt !== null,
      next_page_token: next,
    };
  },
  docs: {
    summary: 'Revoke tokens by filter',
    description:
      'Revokes every token that the list’s filters select at a snapshot, in the caller’s entity (for a user token ' +
      'without an admin role: of its own user): all tokens of a user (`user_id`), of a client (`client_id`), of a role, ' +
      'and so on, with every filter of the list (`status` is the status at the snapshot, as in the list). Tokens issued ' +
      'after the snapshot are never touched, nor tokens already revoked.\n\n' +
      '1. **Dry run** (`"dry_run": true`): the snapshot it used, how many tokens it would revoke (`matched`) and the first ' +
      `${DRY_RUN_SAMPLE} of their ids; nothing changes (the preview is recorded as a listing).\n` +
      '2. **Confirm**: the same filters with that `first_request_timestamp`, a `reason` and an `idempotency_key`. It ' +
      'revokes in batches and answers the revoked ids, a page at a time (`page_size`, `next_page_token`).\n\n' +
      'The same `idempotency_key` with the same request answers the same revocation again (finishing it first if it ' +
      'was interrupted), so a retry after a timeout revokes nothing twice; with another request it is 409. Concurrent ' +
      'revocations never revoke a token twice: each revoked token is in exactly one TOKENS_REVOKED_BY_FILTER event.',
    requestBody: {
      description: 'The list’s filters (its query parameters, as JSON), the snapshot, and what to do.',
      mediaTypes: ['application/json'],
      examples: {
        dry_run: { summary: 'Preview: every active token of a user', value: { user_id: '0f8fad5b-d9cb-469f-a165-70867728950e', dry_run: true } },
        confirm: {
          summary: 'Revoke what the preview showed',
          value: {
            user_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
            first_request_timestamp: { seconds: 1774750335, nanos: 123456000 },
            reason: 'offboarding',
            idempotency_key: 'offboard-0f8fad5b-2026-03-29',
          },
        },
      },
    },
    success: {
      description: 'The preview, or the revocation and a page of its ids.',
      example: {
        dry_run: false,
        snapshot: '2026-03-29T02:12:15.123456Z',
        matched: 2,
        revoked: 2,
        token_ids: [EXAMPLE_TOKEN_ID, '5b0c7a52-3f0e-4c7e-9d2a-8c1f4e6b2a10'],
        event_id: '5f0c7a52-3f0e-4c7e-9d2a-8c1f4e6b2a11',
        completed: true,
        next_page_token: null,
      } satisfies z.input<typeof RevokeByFilterResponse>,
    },
    errors: {
      INVALID_ARGUMENT: {
        description:
          `A bad filter (as in the list), a snapshot in the future, no \`reason\` or \`idempotency_key\` on a real run, a \`page_size\` outside 1–${MAX_REVOKED_PAGE}, ` +
          'or a `page_token` of another request; the error names the field.',
        examples: {
          reason: ApiError.invalid([{ field: 'reason', reason: 'required' }]),
          idempotency_key: ApiError.invalid([{ field: 'idempotency_key', reason: 'required' }]),
        },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.revoke),
      PERMISSION_DENIED: {
        description: 'A user token without an admin role asked for another user’s tokens.',
        examples: { other_user: new ApiError('PERMISSION_DENIED', 'forbidden.other_user') },
      },
      FAILED_PRECONDITION: {
        description: 'The `idempotency_key` was used for another request, or the snapshot predates a retention purge.',
        examples: {
          reused: new ApiError('FAILED_PRECONDITION', 'idempotency.reused', [{ field: 'idempotency_key', reason: 'reused' }]),
          ...snapshotPurged.examples,
        },
      },
      RESOURCE_EXHAUSTED: tooLarge,
    },
    example: { input: { dry_run: true }, rest: { path: '/v1/iam/oauth/tokens:revoke', body: { dry_run: true } } },
  },
});
