import { STATUS_FILTERS, type Micros, type StatusFilter } from '@tokenwarden/contracts';
import type { Cursor, EventSpec, TokenFilters, TokenRecord } from '@tokenwarden/db';
import type { Deps } from '../context.js';

/** Tokens read and revoked per transaction. */
export const REVOCATION_BATCH = 500;

/** What a revocation by filter acts on: the list's selection at a snapshot, within the entity (and, for a user token without an admin role, its user). */
export interface Selection {
  entityPk: number;
  filters: TokenFilters;
  snapshot: Micros;
  userId?: string | undefined;
}

/** The statuses at the snapshot of a token a revocation may still revoke: not revoked then. */
const REVOCABLE_AT_SNAPSHOT: readonly StatusFilter[] = ['ACTIVE', 'EXPIRED'];

/**
 * The filters narrowed to tokens not revoked at the snapshot (its status then ACTIVE or
 * EXPIRED, within the statuses asked, if any): a token revoked by then is revoked now and
 * is never revoked again, so the store need not read it. Undefined when the statuses asked
 * leave none (REVOKED alone): nothing to revoke. A token revoked after the snapshot is still
 * selected; the callers skip it by its revocation now.
 */
export function revocableFilters(filters: TokenFilters): TokenFilters | undefined {
  const statuses = (filters.statuses ?? STATUS_FILTERS).filter((s) => REVOCABLE_AT_SNAPSHOT.includes(s));
  return statuses.length === 0 ? undefined : { ...filters, statuses };
}

/**
 * The selection's tokens not revoked at its snapshot (`revocableFilters`), a batch at a
 * time, in token_id order (the list's own query, so every filter of the list means the same
 * here), yielding to other requests between batches.
 */
async function* batches(deps: Deps, sel: Selection, size = REVOCATION_BATCH): AsyncGenerator<TokenRecord[]> {
  const filters = revocableFilters(sel.filters);
  if (!filters) return;
  let after: Cursor | undefined;
  for (;;) {
    const page = await deps.tokens.page(sel.entityPk, {
      filters,
      snapshot: sel.snapshot,
      orderKey: 'token_id',
      direction: 'ASC',
      limit: size,
      offset: 0,
      after,
    });
    if (page.length > 0) yield page;
    const last = page[page.length - 1];
    if (!last || page.length < size) return;
    after = { value: last.tokenId, tokenId: last.tokenId };
    await new Promise((resolve) => setImmediate(resolve));
    // A long walk outlives the purge horizon's cache: a purge that started meanwhile stops it (409).
    await deps.horizons.check(sel.entityPk, sel.snapshot, { fresh: true });
  }
}

/** A dry run: how many of the selection are not revoked yet, and the first of them (token_id order). */
export async function previewRevocation(deps: Deps, sel: Selection, sampleSize: number): Promise<{ matched: number; sample: string[] }> {
  let matched = 0;
  const sample: string[] = [];
  for await (const batch of batches(deps, sel)) {
    for (const t of batch) {
      if (t.revokedAt !== null) continue;
      matched++;
      if (sample.length < sampleSize) sample.push(t.tokenId);
    }
  }
  return { matched, sample };
}

/**
 * Revokes the selection into a started TOKENS_REVOKED_BY_FILTER event, batch by batch,
 * then marks it complete. Safe to run again or concurrently for the same event (a retry
 * after a crash, two requests with one idempotency key): a token is revoked only while it
 * is not revoked, so none is revoked twice or counted twice, and none outside the
 * selection is touched.
 */
export async function runRevocation(deps: Deps, sel: Selection, event: EventSpec, eventPk: number): Promise<void> {
  for await (const batch of batches(deps, sel)) {
    const open = batch.filter((t) => t.revokedAt === null).map((t) => t.tokenId);
    if (open.length === 0) continue;
    await deps.tokens.revokeMany(sel.entityPk, { tokenIds: open }, { type: 'TOKENS_REVOKED_BY_FILTER', event, eventPk, userId: sel.userId });
  }
  await deps.store.events.complete(sel.entityPk, eventPk);
}
