import {
  API,
  EVENT_TOKEN_IDS_SHOWN,
  EVENT_TYPES,
  formatMicros,
  MAX_EVENT_PAGE_SIZE,
  SCOPES,
  type ListTokenEventsInput,
  type ListTokenEventsResponse,
  type TokenEvent,
} from '@tokenwarden/contracts';
import type { EventQuery, EventRecord } from '@tokenwarden/db';
import type { z } from 'zod';
import { visibleUser, type Principal } from '../auth.js';
import { ApiError, fail } from '../errors.js';
import { fingerprint } from '../page-tokens.js';
import { implement } from './define.js';
import { EXAMPLE_TOKEN_ID, unauthenticated } from './docs.js';

/** The trail's filters as the caller may have them: a user token without an admin role sees only its own user's actions (`visibleUser`). */
function visibleQuery(principal: Principal, input: ListTokenEventsInput): Omit<EventQuery, 'limit' | 'beforePk'> {
  return {
    tokenId: input.token_id?.toLowerCase(),
    actorTokenId: input.actor_token_id?.toLowerCase(),
    actorClientId: input.actor_client_id,
    actorUserId: visibleUser(principal, input.actor_user_id?.toLowerCase()),
    types: input.type,
    occurredAfter: input.occurred_after,
    occurredBefore: input.occurred_before,
  };
}

/** What a page token of the trail holds: the parameters it is bound to, and the last event served. */
interface EventCursor {
  f: string;
  k: number;
}

function badPageToken(): never {
  fail('INVALID_ARGUMENT', undefined, [{ field: 'page_token', reason: 'invalid' }]);
}

export function presentEvent(e: EventRecord, tokenIds: readonly string[]): TokenEvent {
  return {
    event_id: e.eventId,
    type: e.type,
    occurred_at: formatMicros(e.occurredAt),
    actor: { token_id: e.actor.tokenId, client_id: e.actor.clientId, user_id: e.actor.userId },
    request_id: e.requestId,
    reason: e.reason,
    token_count: e.tokenCount,
    token_ids: [...tokenIds],
    details: e.details,
    completed: e.completedAt !== null,
  };
}

export const listTokenEvents = implement(API.events.list, {
  async handler(ctx, principal, input) {
    const { deps } = ctx;
    const query = visibleQuery(principal, input);
    const bound = fingerprint(query);
    let beforePk: number | undefined;
    if (input.page_token !== undefined) {
      const cursor = (await deps.pageTokens.open('events', principal.entityPk, input.page_token)) as EventCursor | undefined;
      if (!cursor || typeof cursor.k !== 'number' || cursor.f !== bound) badPageToken();
      beforePk = cursor.k;
    }
    const size = input.page_size;
    const rows = await deps.store.events.list(principal.entityPk, { ...query, beforePk, limit: size + 1 });
    const page = rows.slice(0, size);
    const ids = await deps.store.events.firstTargets(
      principal.entityPk,
      page.map((e) => e.pk),
      EVENT_TOKEN_IDS_SHOWN,
    );
    const last = page[page.length - 1];
    const next =
      rows.length > size && last ? await deps.pageTokens.seal('events', principal.entityPk, { f: bound, k: last.pk } satisfies EventCursor) : null;
    return { events: page.map((e) => presentEvent(e, ids.get(e.pk) ?? [])), next_page_token: next };
  },
  docs: {
    summary: 'List the audit trail',
    description:
      'The audit trail of the caller’s entity, newest first: tokens issued, revoked one at a time, by filter or by ' +
      'leaked value, listings of the tokens (one event per walk: the request that took its snapshot), and retention ' +
      'purges, each with who did it (the acting token, its client and user), when, the request id and the reason. ' +
      'Filters combine with AND. Pages follow `next_page_token` (send it back as `page_token` with the same filters); ' +
      'the trail is append-only, so a walk never repeats or skips an event it has passed.\n\n' +
      'A user token without an admin role sees only the actions of its own user.',
    parameters: {
      page_size: `Events per page, 1 to ${MAX_EVENT_PAGE_SIZE}.`,
      page_token: 'The `next_page_token` of the previous page; the other parameters must be the same as then.',
      token_id: 'Only events that touched this token.',
      actor_token_id: 'Only events done by this token.',
      actor_client_id: 'Only events done by this API client.',
      actor_user_id: 'Only events done by this user.',
      type: `Only events of these types (repeat the parameter for several): ${EVENT_TYPES.join(', ')}.`,
      occurred_after: 'Only events at or after this instant (RFC 3339, any offset).',
      occurred_before: 'Only events before this instant (RFC 3339, any offset).',
    },
    success: {
      description: 'One page of events, and the token of the next page (null on the last).',
      example: {
        events: [
          {
            event_id: '5f0c7a52-3f0e-4c7e-9d2a-8c1f4e6b2a11',
            type: 'TOKEN_REVOKED',
            occurred_at: '2026-03-29T02:12:15.123456Z',
            actor: { token_id: '0b0c7a52-3f0e-4c7e-9d2a-8c1f4e6b2a12', client_id: 'demo-admin', user_id: null },
            request_id: 'a3e0f3c6-64a4-4b57-9f8e-0d1f6b1f2f10',
            reason: 'found in a public repository',
            token_count: 1,
            token_ids: [EXAMPLE_TOKEN_ID],
            details: null,
            completed: true,
          },
        ],
        next_page_token: null,
      } satisfies z.input<typeof ListTokenEventsResponse>,
    },
    errors: {
      INVALID_ARGUMENT: {
        description: 'An unknown, repeated, empty or malformed parameter, or a `page_token` that is not of this walk; the error names it.',
        examples: {
          page_token: ApiError.invalid([{ field: 'page_token', reason: 'invalid' }]),
          type: ApiError.invalid([{ field: 'type', reason: 'invalid' }]),
        },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.events),
      PERMISSION_DENIED: {
        description: 'A user token without an admin role asked for another user’s actions.',
        examples: { other_user: new ApiError('PERMISSION_DENIED', 'forbidden.other_user') },
      },
    },
    example: { input: {}, rest: { path: '/v1/iam/oauth/token-events' } },
  },
});
