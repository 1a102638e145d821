import type { EventType } from '@tokenwarden/contracts';
import type { EventQuery, EventRecord, EventSpec } from './store.js';

/** An event row as both adapters read it (rows as arrays, in this order). */
export const EVENT_COLUMNS =
  'e.pk, e.event_id, e.type, e.occurred_at, e.actor_token_id, e.actor_client_id, e.actor_user_id, ' +
  'e.request_id, e.reason, e.token_count, e.details, e.completed_at';

/**
 * An event's text as both backends store it (and return it): a lone UTF-16 surrogate (a
 * JSON request body may carry one) becomes U+FFFD. Left alone, SQLite would keep it as three
 * U+FFFD and PostgreSQL's JSON parameter would fail the statement on its `\ud800` escape.
 */
export function storedSpec(spec: EventSpec): EventSpec {
  const { actor, requestId, reason } = spec;
  if ((actor.clientId?.isWellFormed() ?? true) && (requestId?.isWellFormed() ?? true) && (reason?.isWellFormed() ?? true)) return spec;
  return {
    ...spec,
    actor: { ...actor, clientId: actor.clientId?.toWellFormed() ?? null },
    requestId: requestId?.toWellFormed() ?? null,
    reason: reason?.toWellFormed() ?? null,
  };
}

/** A record from a row of `EVENT_COLUMNS`. */
export function eventFromRow(entityPk: number, r: unknown[]): EventRecord {
  const details = r[10] as string | null;
  return {
    pk: r[0] as number,
    eventId: r[1] as string,
    entityPk,
    type: r[2] as EventType,
    occurredAt: r[3] as number,
    actor: { tokenId: r[4] as string | null, clientId: r[5] as string | null, userId: r[6] as string | null },
    requestId: r[7] as string | null,
    reason: r[8] as string | null,
    tokenCount: r[9] as number,
    details: details === null ? null : (JSON.parse(details) as Record<string, unknown>),
    completedAt: r[11] as number | null,
  };
}

/** Canonical key of an event query's shape (which filters it has), for statement caches. */
export function eventShapeKey(q: EventQuery): string {
  return [
    q.tokenId !== undefined ? 't' : '',
    q.actorTokenId !== undefined ? 'at' : '',
    q.actorClientId !== undefined ? 'ac' : '',
    q.actorUserId !== undefined ? 'au' : '',
    q.types !== undefined ? 'y' : '',
    q.occurredAfter !== undefined ? 'oa' : '',
    q.occurredBefore !== undefined ? 'ob' : '',
    q.beforePk !== undefined ? 'k' : '',
  ].join('|');
}

/**
 * The WHERE conditions of an event query, with `param(name)` writing each parameter the
 * adapter's way. The entity comes first in every query: no event of another entity is
 * ever read. A token filter seeks token_event_targets (the events of that token).
 */
export function eventConditions(q: EventQuery, param: (name: EventParam) => string, typeList: () => string): string[] {
  const c = [`e.entity_pk = ${param('entity')}`];
  if (q.tokenId !== undefined) {
    c.push(`e.pk IN (SELECT g.event_pk FROM token_event_targets g WHERE g.entity_pk = ${param('entity')} AND g.token_id = ${param('token')})`);
  }
  if (q.actorTokenId !== undefined) c.push(`e.actor_token_id = ${param('actorToken')}`);
  if (q.actorClientId !== undefined) c.push(`e.actor_client_id = ${param('actorClient')}`);
  if (q.actorUserId !== undefined) c.push(`e.actor_user_id = ${param('actorUser')}`);
  if (q.types !== undefined) c.push(`e.type IN (${typeList()})`);
  if (q.occurredAfter !== undefined) c.push(`e.occurred_at >= ${param('after')}`);
  if (q.occurredBefore !== undefined) c.push(`e.occurred_at < ${param('before')}`);
  if (q.beforePk !== undefined) c.push(`e.pk < ${param('beforePk')}`);
  return c;
}

export type EventParam = 'entity' | 'token' | 'actorToken' | 'actorClient' | 'actorUser' | 'types' | 'after' | 'before' | 'beforePk' | 'limit';

/** The value of each parameter of an event query. */
export function eventParamValue(entityPk: number, q: EventQuery, name: EventParam): unknown {
  switch (name) {
    case 'entity':
      return entityPk;
    case 'token':
      return q.tokenId;
    case 'actorToken':
      return q.actorTokenId;
    case 'actorClient':
      return q.actorClientId;
    case 'actorUser':
      return q.actorUserId;
    case 'types':
      return q.types;
    case 'after':
      return q.occurredAfter;
    case 'before':
      return q.occurredBefore;
    case 'beforePk':
      return q.beforePk;
    case 'limit':
      return q.limit;
  }
}
