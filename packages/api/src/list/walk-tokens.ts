import {
  effectiveDirection,
  MAX_NANOS,
  MAX_PAGE_NUMBER,
  MAX_TIMESTAMP_SECONDS,
  MIN_TIMESTAMP_SECONDS,
  timestampToMicrosFloor,
  type ListTokensInput,
  type Micros,
  type OrderKey,
  type Timestamp,
} from '@tokenwarden/contracts';
import { sortValue, type TokenFilters, type TokenRecord } from '@tokenwarden/db';
import { fingerprint, type PageTokens } from '../page-tokens.js';
import type { Resume } from './token-lister.js';

/*
 * The list's page tokens: where a walk stands, sealed for one entity (see PageTokens), so
 * the next page seeks straight to its first row on any replica, with no cache.
 */

/** What a page token of the list holds. */
interface ListWalk {
  /** The snapshot: as the store compares it (µs) and as the walk was told it. */
  s: Micros;
  t: Timestamp;
  /** The fingerprint of every other parameter (`walkFingerprint`). */
  f: string;
  /** The page the token leads to. */
  p: number;
  /** The keyset cursor of the last row served: its order-key value and token_id. */
  c: { v: string | number; i: string };
}

/** The parameters a walk is bound to besides its snapshot: the visible filters, the order and the page size. */
export function walkFingerprint(filters: TokenFilters, input: ListTokensInput): string {
  const { order_key, order_direction } = input.order_params;
  return fingerprint({ f: filters, o: order_key, d: effectiveDirection(order_direction), n: input.page_params.page_size });
}

/** Order keys whose values are numbers (instants, the grant flow's enum number); the others sort as text. */
const NUMERIC_KEYS: ReadonlySet<OrderKey> = new Set(['created_at', 'expires_at', 'last_used_at', 'grant_flow']);
const TOKEN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;

/**
 * The walk a payload holds, if it is one this server seals for this order key (sealed
 * payloads cannot be forged, so this guards against our own mistakes, not callers).
 */
function asWalk(payload: unknown, orderKey: OrderKey): ListWalk | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const w = payload as Partial<ListWalk>;
  const t = w.t;
  const c = w.c;
  if (typeof w.f !== 'string' || !isInt(w.p, 2, MAX_PAGE_NUMBER)) return undefined;
  if (typeof t !== 'object' || t === null || !isInt(t.seconds, MIN_TIMESTAMP_SECONDS, MAX_TIMESTAMP_SECONDS) || !isInt(t.nanos, 0, MAX_NANOS)) {
    return undefined;
  }
  if (!isInt(w.s, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) || timestampToMicrosFloor(t) !== w.s) return undefined;
  if (typeof c !== 'object' || c === null || typeof c.i !== 'string' || !TOKEN_ID.test(c.i)) return undefined;
  const numeric = NUMERIC_KEYS.has(orderKey);
  if (numeric ? !isInt(c.v, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) : typeof c.v !== 'string') return undefined;
  return w as ListWalk;
}

/**
 * The walk a page token resumes: it must open for this entity, and be bound to the same
 * parameters and, when the request sends one, the same snapshot. Undefined otherwise.
 */
export async function openWalk(
  tokens: PageTokens,
  entityPk: number,
  text: string,
  bound: string,
  input: ListTokensInput,
): Promise<{ snapshot: Timestamp; resume: Resume } | undefined> {
  const walk = asWalk(await tokens.open('tokens', entityPk, text), input.order_params.order_key);
  if (!walk || walk.f !== bound) return undefined;
  const sent = input.page_params.first_request_timestamp;
  if (sent && (sent.seconds !== walk.t.seconds || sent.nanos !== walk.t.nanos)) return undefined;
  return { snapshot: walk.t, resume: { page: walk.p, after: { value: walk.c.v, tokenId: walk.c.i } } };
}

/** The token of the page after `page`, which ended with `last`. */
export function sealWalk(
  tokens: PageTokens,
  entityPk: number,
  walk: { snapshotMicros: Micros; snapshot: Timestamp; bound: string; page: number; last: TokenRecord; orderKey: OrderKey },
): Promise<string> {
  const payload: ListWalk = {
    s: walk.snapshotMicros,
    t: walk.snapshot,
    f: walk.bound,
    p: walk.page + 1,
    c: { v: sortValue(walk.last, walk.orderKey), i: walk.last.tokenId },
  };
  return tokens.seal('tokens', entityPk, payload);
}
