import { randomUUID } from 'node:crypto';
import type { EventSpec } from '@tokenwarden/db';
import type { Principal } from '../auth.js';
import type { Context } from '../context.js';

/** An event done by the calling token in this request: its actor, request id, reason and what was asked (never a secret). */
export function eventBy(ctx: Context, principal: Principal, reason: string | null = null, details?: Record<string, unknown>): EventSpec {
  return {
    eventId: randomUUID(),
    actor: { tokenId: principal.tokenId, clientId: principal.clientId, userId: principal.userId },
    requestId: ctx.requestId,
    reason,
    ...(details === undefined ? {} : { details }),
  };
}

/** An event done by the operator (the admin command): no token, client or user acted. */
export function operatorEvent(reason: string | null = null, details?: Record<string, unknown>): EventSpec {
  return {
    eventId: randomUUID(),
    actor: { tokenId: null, clientId: null, userId: null },
    requestId: null,
    reason,
    ...(details === undefined ? {} : { details }),
  };
}
