import {
  API,
  formatMicros,
  formatTimestamp,
  MAX_PAGE_NUMBER,
  MAX_PAGE_SIZE,
  MAX_STATUS_VALUES,
  SCOPES,
  STATUS_FILTERS,
  TIME_FILTERS,
  type ListTokensInput,
  type ListTokensResponse,
  type RevokeTokenResponse,
  type TokenFilterInput,
} from '@tokenwarden/contracts';
import { statusSet, type TokenFilters } from '@tokenwarden/db';
import type { z } from 'zod';
import { sees, visibleUser, type Principal } from '../auth.js';
import type { Deps } from '../context.js';
import { ApiError, fail } from '../errors.js';
import type { Resume } from '../list/token-lister.js';
import { openWalk, sealWalk, walkFingerprint } from '../list/walk-tokens.js';
import { presentToken } from '../presenter.js';
import { eventBy } from '../services/audit.js';
import { revokeVisibleToken } from '../services/revocation.js';
import { implement } from './define.js';
import { EXAMPLE_TOKEN_ID, exampleToken, notFound, TOKEN_ID_DESCRIPTION, tooLarge, unauthenticated, snapshotPurged } from './docs.js';

/**
 * The list's filters as the caller may have them: a user token without an admin role
 * sees only its own user's tokens, and asking for another user is 403 (`visibleUser`).
 * The list, its summary and revocations by filter all select through this.
 */
export function visibleFilters(principal: Principal, input: TokenFilterInput): TokenFilters {
  const filters: TokenFilters = {
    accountId: input.account_id?.toLowerCase(),
    userId: visibleUser(principal, input.user_id?.toLowerCase()),
    grantFlow: input.grant_flow,
    role: input.role,
  };
  // The newer filters only when sent: a list without them keeps the first filters' shape.
  if (input.client_id !== undefined) filters.clientId = input.client_id;
  if (input.status !== undefined) filters.statuses = statusSet(input.status);
  if (input.scope !== undefined) filters.scope = input.scope;
  if (input.created_after !== undefined) filters.createdAfter = input.created_after;
  if (input.created_before !== undefined) filters.createdBefore = input.created_before;
  if (input.expires_after !== undefined) filters.expiresAfter = input.expires_after;
  if (input.expires_before !== undefined) filters.expiresBefore = input.expires_before;
  if (input.last_used_after !== undefined) filters.lastUsedAfter = input.last_used_after;
  if (input.last_used_before !== undefined) filters.lastUsedBefore = input.last_used_before;
  if (input.never_used !== undefined) filters.neverUsed = input.never_used;
  return filters;
}

/**
 * The filters as the audit trail records them: as the caller wrote them, but the time
 * bounds as RFC 3339 (not µs) and the statuses by their short names, once each, in order.
 */
export function recordedFilters(input: TokenFilterInput): Record<string, unknown> {
  const written: Record<string, unknown> = { ...input };
  for (const p of TIME_FILTERS) if (input[p] !== undefined) written[p] = formatMicros(input[p]);
  if (input.status !== undefined) written.status = statusSet(input.status);
  return written;
}

/** A token the principal may see, or 404 (unknown, of another entity, or of another user). */
async function visibleToken(deps: Deps, principal: Principal, tokenId: string) {
  const token = await deps.tokens.get(principal.entityPk, tokenId.toLowerCase());
  if (!token || !sees(principal, token)) fail('NOT_FOUND', 'not_found.token');
  return token;
}

/** A request naming neither a snapshot nor a page token: a new walk (usually its page 1), at a new snapshot taken with its authentication. */
function startsWalk(input: Pick<ListTokensInput, 'page_params' | 'page_token'>): boolean {
  return input.page_params.first_request_timestamp === undefined && input.page_token === undefined;
}

function badPageToken(): never {
  fail('INVALID_ARGUMENT', undefined, [{ field: 'page_token', reason: 'invalid' }]);
}

export const listTokens = implement(API.tokens.list, {
  async handler(ctx, principal, input) {
    const { deps } = ctx;
    // A page token says which page it leads to.
    if (input.page_token !== undefined && input.page_params.page_number !== undefined) {
      fail('INVALID_ARGUMENT', undefined, [{ field: 'page_params.page_number', reason: 'with_page_token' }]);
    }
    const filters = visibleFilters(principal, input);
    // What a page token is bound to, computed only when a token is opened or sealed.
    let fingerprint: string | undefined;
    const bound = () => (fingerprint ??= walkFingerprint(filters, input));
    let asked = input;
    let resume: Resume | undefined;
    if (input.page_token !== undefined) {
      const walk = (await openWalk(deps.pageTokens, principal.entityPk, input.page_token, bound(), input)) ?? badPageToken();
      asked = { ...input, page_params: { ...input.page_params, first_request_timestamp: walk.snapshot } };
      resume = walk.resume;
    }
    const result = await deps.lister.list(principal.entityPk, asked, filters, resume, principal.snapshot);
    const now = deps.clock.nowMicros();
    const size = input.page_params.page_size;
    const last = result.records[result.records.length - 1];
    // Another page follows a full one that the total does not end (a walk ends at its total).
    const next =
      last && result.records.length === size && result.page * size < result.total && result.page < MAX_PAGE_NUMBER
        ? await sealWalk(deps.pageTokens, principal.entityPk, {
            snapshotMicros: result.snapshotMicros,
            snapshot: result.snapshot,
            bound: bound(),
            page: result.page,
            last,
            orderKey: input.order_params.order_key,
          })
        : null;
    const pagination = {
      total_elements: result.total,
      total_pages: Math.ceil(result.total / size),
      current_page: result.page,
      page_size: size,
      first_request_timestamp: formatTimestamp(result.snapshot),
      next_page_token: next,
    };
    // A walk is recorded once, by the request that took its snapshot; its later pages are that same listing.
    if (startsWalk(input)) {
      const { page_params: _page, order_params, page_token: _token, ...filtersAsked } = input;
      const written = recordedFilters(filtersAsked);
      const seen = filters.userId === undefined ? written : { ...written, user_id: filters.userId };
      const details = { filters: seen, order: order_params, snapshot: pagination.first_request_timestamp, total_elements: result.total };
      await deps.store.events.append(principal.entityPk, 'TOKENS_LISTED', eventBy(ctx, principal, null, details));
    }
    return { tokens: result.records.map((r) => presentToken(r, now)), pagination_info: pagination };
  },
  newSnapshot: startsWalk,
  docs: {
    summary: 'List Token Information',
    description:
      'Lists the tokens of the caller’s entity, a page at a time, in a total order (ties on the order key ' +
      'are broken by `token_id` in the same direction). Filters combine with AND.\n\n' +
      '**Snapshot**: only tokens created at or before `page_params.first_request_timestamp` are listed; ' +
      'when it is absent the server uses the time of the request and returns it in ' +
      '`pagination_info.first_request_timestamp`. Send it back (as seconds and nanos) with the next ' +
      '`page_number` and pages neither repeat nor skip while new tokens are issued.\n\n' +
      '**Page tokens**: every answer carries `pagination_info.next_page_token` (null on the last page). Send it ' +
      'back as `page_token`, with the same other parameters and without `page_number`, for the next page: it holds ' +
      'the snapshot and where the walk stands, so the next page needs no counting of skipped rows. It is bound to ' +
      'the snapshot, the filters, the order and the page size, and to the caller’s entity: any change is a 400 ' +
      'naming `page_token`.\n\n' +
      '**Status at the snapshot**: `status` selects by the status each token had *at the snapshot* (REVOKED: ' +
      'revoked at or before it; EXPIRED: not revoked then and expired at or before it; ACTIVE: neither), so a ' +
      'walk’s set never changes. Each token’s `status` field is its status now, which may differ.\n\n' +
      '**Last use** is not part of the snapshot: a token used between two pages moves in `last_used_at` order ' +
      'and into or out of `last_used_after` / `last_used_before` / `never_used`. Pages stay exact as positions ' +
      '(the next page starts after the last row served) and `total_elements` stays the one counted when the walk ' +
      'began.\n\n' +
      'Tokens of the client-credentials and entity-setup flows, and user tokens holding an admin role, see the ' +
      'whole entity; any other user token sees only its own user’s tokens.',
    parameters: {
      'page_params.page_size': `Tokens per page, 1 to ${MAX_PAGE_SIZE}.`,
      'page_params.page_number':
        'Page to answer, from 1 (default 1). A page past the last answers 200 with no tokens and true totals. Not with `page_token`.',
      'page_params.first_request_timestamp.seconds':
        'Snapshot instant, Unix seconds (protobuf Timestamp, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z). ' + 'Required when `nanos` is given.',
      'page_params.first_request_timestamp.nanos': 'Snapshot instant, nanoseconds within the second.',
      'order_params.order_key': 'Field to order by.',
      'order_params.order_direction': '`ORDER_DIRECTION_ENUM_UNSPECIFIED` means the default, `DESC`.',
      page_token:
        'The `next_page_token` of the previous answer: the next page of the same walk. Send the same other parameters ' +
        '(the snapshot may be left out), and no `page_number`.',
      account_id: 'Only tokens bound to this account.',
      user_id: 'Only tokens acting for this user. A user token without an admin role may name only its own user.',
      grant_flow: 'Only tokens of this grant flow.',
      role: 'Only tokens whose roles contain this role.',
      status:
        `Only tokens with one of these statuses at the snapshot: ${STATUS_FILTERS.join(', ')} (or the \`TOKEN_STATUS_…\` names); ` +
        `repeat the parameter for several, at most ${MAX_STATUS_VALUES} times.`,
      client_id: 'Only tokens obtained by this API client.',
      scope: 'Only tokens whose scopes grant this scope: the scope itself or a wildcard above it (`iam.oauth.*`, `*`).',
      created_after: 'Only tokens created at or after this instant (RFC 3339, any offset).',
      created_before: 'Only tokens created before this instant (RFC 3339, any offset).',
      expires_after: 'Only tokens expiring at or after this instant (RFC 3339, any offset).',
      expires_before: 'Only tokens expiring before this instant (RFC 3339, any offset).',
      last_used_after: 'Only tokens used at least once, last at or after this instant (RFC 3339, any offset).',
      last_used_before: 'Only tokens used at least once, last before this instant (RFC 3339, any offset).',
      never_used: '`true`: only tokens never used; `false`: only tokens used at least once.',
    },
    success: {
      description: 'One page of tokens and the true totals of the snapshot.',
      example: {
        tokens: [exampleToken],
        pagination_info: {
          total_elements: 21,
          total_pages: 3,
          current_page: 1,
          page_size: 10,
          first_request_timestamp: '2026-03-29T02:12:15.123456Z',
          next_page_token: 'T2pD3m1c5Jq8xWk0bHf4yUeA7rN9sLv6gZtQiMoPaXcVdEwRzYuIhBnKlGjFqSx',
        },
      } satisfies z.input<typeof ListTokensResponse>,
    },
    errors: {
      INVALID_ARGUMENT: {
        description:
          'An unknown, repeated, empty, malformed or out-of-range query parameter, a `page_token` that is not the next ' +
          'page of this walk (other parameters, another snapshot, altered, of another entity), or a `page_token` with a ' +
          '`page_number`; the error names it.',
        examples: {
          page_size: ApiError.invalid([{ field: 'page_params.page_size', reason: 'invalid' }]),
          unknown: ApiError.invalid([{ field: 'page_size', reason: 'unknown_parameter' }]),
          status: ApiError.invalid([{ field: 'status', reason: 'invalid' }]),
          page_token: ApiError.invalid([{ field: 'page_token', reason: 'invalid' }]),
          page_number_with_token: ApiError.invalid([{ field: 'page_params.page_number', reason: 'with_page_token' }]),
        },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.list),
      PERMISSION_DENIED: {
        description: 'A user token without an admin role asked for another user’s tokens.',
        examples: { other_user: new ApiError('PERMISSION_DENIED', 'forbidden.other_user') },
      },
      FAILED_PRECONDITION: snapshotPurged,
    },
    example: { input: {}, rest: { path: '/v1/iam/oauth/tokens' } },
  },
});

export const getToken = implement(API.tokens.get, {
  async handler(ctx, principal, input) {
    return presentToken(await visibleToken(ctx.deps, principal, input.token_id), ctx.deps.clock.nowMicros());
  },
  docs: {
    summary: 'Retrieve a token',
    description: 'Retrieves one token of the caller’s entity by its `token_id`.',
    parameters: { token_id: TOKEN_ID_DESCRIPTION },
    success: { description: 'The token.', example: exampleToken },
    errors: {
      INVALID_ARGUMENT: {
        description: 'The path id is not a UUID, or a query parameter was sent.',
        examples: { token_id: ApiError.invalid([{ field: 'token_id', reason: 'invalid' }]) },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.get),
      NOT_FOUND: notFound,
    },
    example: { input: { token_id: EXAMPLE_TOKEN_ID }, rest: { path: `/v1/iam/oauth/tokens/${EXAMPLE_TOKEN_ID}` } },
  },
});

export const revokeToken = implement(API.tokens.revoke, {
  async handler(ctx, principal, input) {
    const bodyId = input.body?.token_id;
    if (bodyId !== undefined && bodyId.toLowerCase() !== input.token_id.toLowerCase()) {
      fail('INVALID_ARGUMENT', undefined, [{ field: 'body.token_id', reason: 'mismatch' }]);
    }
    const token = await ctx.deps.tokens.get(principal.entityPk, input.token_id.toLowerCase());
    const outcome = await revokeVisibleToken(ctx, principal, token, input.body?.reason ?? null);
    if (outcome === 'not_found') fail('NOT_FOUND', 'not_found.token');
    if (outcome === 'already_revoked') fail('FAILED_PRECONDITION', 'revoked.already');
    return {};
  },
  docs: {
    summary: 'Revoke a token',
    description:
      'Revokes a token of the caller’s entity; it stops authenticating at once. The optional body ' +
      '`{"token_id": "…", "reason": "…"}`: `token_id` must name the same token as the path; `reason` (1 to 500 ' +
      'characters) is kept with the token (`revoke_reason`) and its TOKEN_REVOKED event, and `revoked_by` records the ' +
      'calling token.',
    parameters: { token_id: TOKEN_ID_DESCRIPTION },
    requestBody: {
      description: 'Optional; when `token_id` is present it must equal the path id; `reason` is recorded.',
      mediaTypes: ['application/json'],
      examples: {
        reason: { summary: 'With a reason', value: { reason: 'found in a public repository' } },
        same_id: { summary: 'The path id, repeated', value: { token_id: EXAMPLE_TOKEN_ID } },
      },
    },
    success: { description: 'Revoked: an empty JSON object.', example: {} satisfies z.input<typeof RevokeTokenResponse> },
    errors: {
      INVALID_ARGUMENT: {
        description:
          'The path id is not a UUID, the body is malformed, its `token_id` differs from the path id, or `reason` is empty or longer than 500 characters.',
        examples: {
          mismatch: ApiError.invalid([{ field: 'body.token_id', reason: 'mismatch' }]),
          body: ApiError.invalid([{ field: 'body', reason: 'malformed_body' }]),
        },
      },
      UNAUTHENTICATED: unauthenticated(SCOPES.revoke),
      NOT_FOUND: notFound,
      FAILED_PRECONDITION: {
        description: 'The token is already revoked.',
        examples: { already_revoked: new ApiError('FAILED_PRECONDITION', 'revoked.already') },
      },
      RESOURCE_EXHAUSTED: tooLarge,
    },
    example: { input: { token_id: EXAMPLE_TOKEN_ID }, rest: { path: `/v1/iam/oauth/tokens/${EXAMPLE_TOKEN_ID}` } },
  },
});
