import type { EventSpec } from '@tokenwarden/db';
import type { Principal } from '../auth.js';
import type { Context } from '../context.js';
import { randomDraw } from '../random-pool.js';

/**
 * A new event id: a UUIDv7 (RFC 9562), its first 48 bits the time in milliseconds (this
 * process's clock), 74 bits random, the other 6 its version and variant. Ids made later sort
 * later, so each table's index of event ids grows at its end (a random UUID lands each new
 * id on a random page of an index of millions). The time in it serves that order only: an
 * event's time is its `occurred_at` (the store's clock), which the trail shows anyway.
 */
export function newEventId(now = Date.now()): string {
  const b = randomDraw(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | ((b[6] as number) & 0x0f);
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** An event done by the calling token in this request: its actor, request id, reason and what was asked (never a secret). */
export function eventBy(ctx: Context, principal: Principal, reason: string | null = null, details?: Record<string, unknown>): EventSpec {
  return {
    eventId: newEventId(),
    actor: { tokenId: principal.tokenId, clientId: principal.clientId, userId: principal.userId },
    requestId: ctx.requestId,
    reason,
    ...(details === undefined ? {} : { details }),
  };
}

/** An event done by the operator (the admin command): no token, client or user acted. */
export function operatorEvent(reason: string | null = null, details?: Record<string, unknown>): EventSpec {
  return {
    eventId: newEventId(),
    actor: { tokenId: null, clientId: null, userId: null },
    requestId: null,
    reason,
    ...(details === undefined ? {} : { details }),
  };
}
