import { API, SCOPES, type TokenSummary } from '@tokenwarden/contracts';
import type { z } from 'zod';
import { visibleUser } from '../auth.js';
import { ApiError } from '../errors.js';
import { implement } from './define.js';
import { unauthenticated, snapshotPurged } from './docs.js';

const SNAPSHOT_MS = Date.UTC(2026, 2, 29, 2, 12, 15, 123);
const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

const example: z.input<typeof TokenSummary> = {
  first_request_timestamp: iso(SNAPSHOT_MS),
  active: {
    total: 3,
    by_grant_flow: [
      { grant_flow: 'GRANT_FLOW_CLIENT_CREDENTIALS', count: 2 },
      { grant_flow: 'GRANT_FLOW_PASSWORD', count: 1 },
      { grant_flow: 'GRANT_FLOW_ENTITY_SETUP', count: 0 },
      { grant_flow: 'GRANT_FLOW_LOGIN', count: 0 },
    ],
    by_role: [
      { role: 'ENTITY_ADMIN', count: 2 },
      { role: 'TELLER', count: 1 },
    ],
    never_used: 1,
    unused_30_days: 0,
  },
  created_per_day: Array.from({ length: 30 }, (_, i) => ({ day: iso(SNAPSHOT_MS - (29 - i) * DAY_MS).slice(0, 10), count: (i * 7) % 5 })),
  expiring_next_7_days: Array.from({ length: 7 }, (_, i) => ({
    from: iso(SNAPSHOT_MS + i * DAY_MS),
    to: iso(SNAPSHOT_MS + (i + 1) * DAY_MS),
    count: i === 0 ? 3 : 0,
  })),
};

/** `GET /v1/iam/oauth/tokens:summary`: the overview of the tokens the caller may list, at a snapshot. */
export const summarizeTokens = implement(API.tokens.summary, {
  async handler(ctx, principal, input) {
    // The visibility rule alone decides whose tokens are summarized (as an unfiltered list's).
    const userId = visibleUser(principal);
    return ctx.deps.summarizer.summarize(principal.entityPk, userId, input.first_request_timestamp, principal.snapshot);
  },
  newSnapshot: (input) => input.first_request_timestamp === undefined,
  docs: {
    summary: 'Summarize tokens',
    description:
      'An overview of the tokens the caller may list, at one snapshot: active tokens by grant flow and by role, ' +
      'active tokens never used and unused for 30 days, tokens created per UTC day over the 30 days up to the ' +
      'snapshot’s, and active tokens expiring in each of the 7 periods of 24 hours after it. A token is **active** at ' +
      'the snapshot S when it was created at or before S, expires after S and was not revoked at S.\n\n' +
      '**Snapshot**: `first_request_timestamp` as the list takes it (send the list’s, and the figures are of the ' +
      'same set of tokens); when absent the server takes a new one and returns it. The sets counted at a past ' +
      'snapshot never change; usage is the last use recorded when the snapshot was first summarized.\n\n' +
      'Visibility is the list’s: client-credentials and entity-setup tokens and user tokens with an admin role ' +
      'summarize the whole entity, any other user token only its own user’s tokens.',
    parameters: {
      'first_request_timestamp.seconds': 'Snapshot instant, Unix seconds (as in the list). Required when `nanos` is given.',
      'first_request_timestamp.nanos': 'Snapshot instant, nanoseconds within the second.',
    },
    success: { description: 'The figures at the snapshot, and the snapshot.', example },
    errors: {
      INVALID_ARGUMENT: {
        description: 'An unknown, repeated, empty, malformed or out-of-range query parameter; the error names it.',
        examples: { seconds: ApiError.invalid([{ field: 'first_request_timestamp.seconds', reason: 'invalid' }]) },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.list),
      PERMISSION_DENIED: {
        description: 'A user token without an admin role that acts for no user.',
        examples: { other_user: new ApiError('PERMISSION_DENIED', 'forbidden.other_user') },
      },
      FAILED_PRECONDITION: snapshotPurged,
    },
    example: { input: {}, rest: { path: '/v1/iam/oauth/tokens:summary' } },
  },
});
