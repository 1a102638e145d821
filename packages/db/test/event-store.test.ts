import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { manualClock, type EventSpec } from '@tokenwarden/db';
import { insertOne, issueEvent, newSpec, newToken, revocation, setup } from './helpers.js';

const SECOND = 1_000_000;
const T0 = 1_800_000_000 * SECOND;

const listing = (over: Partial<EventSpec> = {}): EventSpec => ({
  eventId: randomUUID(),
  actor: { tokenId: randomUUID(), clientId: 'auditor-app', userId: null },
  requestId: randomUUID(),
  reason: null,
  details: { filters: { role: 'TELLER' }, total_elements: 3 },
  ...over,
});

describe('the audit trail', () => {
  it('records an issuance with its token, the grant as actor and the request id, in the transaction of the token', async () => {
    const clock = manualClock(T0);
    const { tokens, store, entity } = await setup({ clock });
    const e = (await entity('E')).pk;
    const user = randomUUID();
    const ev = issueEvent('req-1');
    const t = await tokens.issue(newSpec(e, { clientId: 'payroll', userId: user, grantFlow: 'GRANT_FLOW_PASSWORD' }), ev);
    const [issued, ...rest] = await store.events.list(e, { limit: 10 });
    expect(rest).toEqual([]);
    expect(issued).toMatchObject({
      eventId: ev.eventId,
      type: 'TOKEN_ISSUED',
      occurredAt: t.createdAt,
      actor: { tokenId: null, clientId: 'payroll', userId: user },
      requestId: 'req-1',
      reason: null,
      tokenCount: 1,
      completedAt: t.createdAt,
    });
    expect(await store.events.targets(e, issued!.pk, 10)).toEqual([t.tokenId]);
    expect(await store.events.get(e, ev.eventId)).toEqual(issued);
  });

  it('stores no token whose event cannot be stored, and no event of a token that cannot be stored', async () => {
    const { tokens, store, entity } = await setup();
    const e = (await entity('E')).pk;
    const ev = issueEvent();
    const first = await tokens.issue(newSpec(e), ev);
    // the same event id again: the token is refused with its event
    const spec = newSpec(e);
    await expect(tokens.issue(spec, { eventId: ev.eventId, requestId: null })).rejects.toThrow();
    expect(await tokens.get(e, spec.tokenId)).toBeUndefined();
    // a token id already taken: no event for it
    await expect(tokens.issue(newSpec(e, { tokenId: first.tokenId }), issueEvent())).rejects.toThrow();
    expect((await store.events.list(e, { limit: 10 })).map((x) => x.eventId)).toEqual([ev.eventId]);
  });

  it('keeps any text a caller sends: quotes, backslashes, emoji, and a lone surrogate as U+FFFD', async () => {
    const { store, entity } = await setup();
    const e = (await entity('E')).pk;
    const odd = 'say "hi" \\ \\u0041 é 🔑 \ud800 end';
    const written = await store.events.append(e, 'TOKENS_LISTED', listing({ reason: odd, requestId: `r-${odd}`, details: { note: odd } }));
    const [read] = await store.events.list(e, { limit: 10 });
    expect(read?.reason).toBe(odd.toWellFormed());
    expect(read?.reason).toContain('\ufffd end');
    expect(read?.requestId).toBe(`r-${odd}`.toWellFormed());
    expect(read?.details).toEqual({ note: odd });
    expect(read?.pk).toBe(written.pk);
    expect(written.reason).toBe(read?.reason);
    expect(written.requestId).toBe(read?.requestId);
  });

  it('appends listings grouped per turn, each caller resuming after the commit, in order', async () => {
    const { store, entity } = await setup();
    const e = (await entity('E')).pk;
    const specs = Array.from({ length: 25 }, (_, i) => listing({ details: { i } }));
    const appended = await Promise.all(specs.map((s) => store.events.append(e, 'TOKENS_LISTED', s)));
    expect(appended.map((a) => a.eventId)).toEqual(specs.map((s) => s.eventId));
    for (const a of appended) expect(a.completedAt).toBe(a.occurredAt);
    const trail = await store.events.list(e, { limit: 100 });
    expect(trail.map((x) => x.eventId)).toEqual(specs.map((s) => s.eventId).reverse());
    expect(trail.map((x) => x.details)).toEqual(specs.map((s) => s.details).reverse());
    expect(trail.every((x, i) => i === 0 || x.pk < trail[i - 1]!.pk)).toBe(true);
    expect(trail[0]).toEqual(appended.at(-1));
  });

  it('filters by token, actor, type and time, newest first, in pages by key, within the entity only', async () => {
    const clock = manualClock(T0);
    const { tokens, store, entity } = await setup({ clock });
    const e = (await entity('E')).pk;
    const other = (await entity('F')).pk;
    const a = await tokens.issue(newSpec(e), issueEvent());
    const b = await tokens.issue(newSpec(e), issueEvent());
    const foreign = await tokens.issue(newSpec(other), issueEvent());
    clock.set(T0 + 10 * SECOND);
    const auditor = revocation({ reason: 'rotated' });
    expect(await tokens.revoke(e, a.tokenId, auditor)).toBe('revoked');
    clock.set(T0 + 20 * SECOND);
    const look = listing({ actor: auditor.actor });
    await store.events.append(e, 'TOKENS_LISTED', look);
    await store.events.append(other, 'TOKENS_LISTED', listing());

    const types = async (q: Parameters<typeof store.events.list>[1]) => (await store.events.list(e, q)).map((x) => x.type);
    expect(await types({ limit: 10 })).toEqual(['TOKENS_LISTED', 'TOKEN_REVOKED', 'TOKEN_ISSUED', 'TOKEN_ISSUED']);
    expect(await types({ tokenId: a.tokenId, limit: 10 })).toEqual(['TOKEN_REVOKED', 'TOKEN_ISSUED']);
    expect(await types({ tokenId: b.tokenId, limit: 10 })).toEqual(['TOKEN_ISSUED']);
    expect(await types({ tokenId: foreign.tokenId, limit: 10 })).toEqual([]);
    expect(await types({ actorTokenId: auditor.actor.tokenId!, limit: 10 })).toEqual(['TOKENS_LISTED', 'TOKEN_REVOKED']);
    expect(await types({ actorClientId: 'client-1', limit: 10 })).toEqual(['TOKEN_ISSUED', 'TOKEN_ISSUED']);
    expect(await types({ actorUserId: randomUUID(), limit: 10 })).toEqual([]);
    expect(await types({ types: ['TOKEN_REVOKED', 'TOKENS_LISTED'], limit: 10 })).toEqual(['TOKENS_LISTED', 'TOKEN_REVOKED']);
    expect(await types({ occurredAfter: T0 + 10 * SECOND, limit: 10 })).toEqual(['TOKENS_LISTED', 'TOKEN_REVOKED']);
    expect(await types({ occurredBefore: T0 + 10 * SECOND, limit: 10 })).toEqual(['TOKEN_ISSUED', 'TOKEN_ISSUED']);
    expect(await types({ occurredAfter: T0 + 10 * SECOND, occurredBefore: T0 + 20 * SECOND, limit: 10 })).toEqual(['TOKEN_REVOKED']);
    // pages by key
    const first = await store.events.list(e, { limit: 3 });
    const second = await store.events.list(e, { limit: 3, beforePk: first.at(-1)!.pk });
    expect([...first, ...second].map((x) => x.eventId)).toEqual((await store.events.list(e, { limit: 10 })).map((x) => x.eventId));
    // another entity's trail, its ids and its targets are out of reach
    const theirs = (await store.events.list(other, { limit: 10 }))[1]!;
    expect(await store.events.get(e, theirs.eventId)).toBeUndefined();
    expect(await store.events.targets(e, theirs.pk, 10)).toEqual([]);
    expect((await store.events.firstTargets(e, [theirs.pk], 10)).get(theirs.pk)).toEqual([]);
  });

  it('pages the tokens of an event by token_id, and shows the first ones of several events at once', async () => {
    const { tokens, store, entity } = await setup();
    const e = (await entity('E')).pk;
    const issued = [];
    for (let i = 0; i < 7; i++) issued.push(await tokens.issue(newSpec(e), issueEvent()));
    const trail = await store.events.list(e, { limit: 10 });
    const first = await store.events.firstTargets(
      e,
      trail.map((x) => x.pk),
      5,
    );
    for (const ev of trail) expect(first.get(ev.pk)).toHaveLength(1);
    const ids = issued.map((t) => t.tokenId).sort();
    const one = trail[0]!;
    expect(await store.events.targets(e, one.pk, 5, '')).toEqual([issued.at(-1)!.tokenId]);
    expect(await store.events.targets(e, one.pk, 5, issued.at(-1)!.tokenId)).toEqual([]);
    expect(ids).toHaveLength(7);
  });

  it('keeps where a use came from with its time, and only when the use is recorded', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const t = await insertOne(tokens, newToken(e));
    expect(await tokens.touchLastUsed(e, t.pk, T0, 60 * SECOND, { ip: '203.0.113.9', userAgent: 'curl/8.5' })).toBe(true);
    expect(await tokens.get(e, t.tokenId)).toMatchObject({ lastUsedAt: T0, lastUsedIp: '203.0.113.9', lastUsedUserAgent: 'curl/8.5' });
    // within the window nothing is written, the origin neither
    expect(await tokens.touchLastUsed(e, t.pk, T0 + 1, 60 * SECOND, { ip: '198.51.100.1', userAgent: 'other' })).toBe(false);
    expect(await tokens.get(e, t.tokenId)).toMatchObject({ lastUsedIp: '203.0.113.9', lastUsedUserAgent: 'curl/8.5' });
  });
});

describe('grant_set_scopes', () => {
  it('holds every scope of every grant set, however the set was stored', async () => {
    const h = await setup();
    const e = (await h.entity('E')).pk;
    await h.tokens.issue(newSpec(e, { scopes: ['iam.oauth.*', 'accounts.read'] }), issueEvent());
    await h.tokens.insertHistorical([newToken(e, { scopes: ['payments.*', 'accounts.read'] })]);
    const rows = await h.sql<{ scope: string }>('SELECT scope FROM grant_set_scopes WHERE entity_pk = ? ORDER BY scope', [e]);
    expect(rows.map((r) => r.scope)).toEqual(['accounts.read', 'accounts.read', 'iam.oauth.*', 'payments.*']);
  });
});

describe('revokeMany', () => {
  it('revokes only the entity’s (and the user’s) tokens, each in exactly one event, however many revocations race', async () => {
    const { tokens, store, entity } = await setup();
    const e = (await entity('E')).pk;
    const other = (await entity('F')).pk;
    const user = randomUUID();
    const specs = Array.from({ length: 30 }, (_, i) => newSpec(e, { userId: i % 3 === 0 ? user : null }));
    for (const s of specs) await tokens.issue(s, issueEvent());
    const foreign = newSpec(other);
    await tokens.issue(foreign, issueEvent());
    const hashes = [...specs.map((s) => s.tokenHash), foreign.tokenHash];
    // five overlapping reports at once
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        tokens.revokeMany(
          e,
          { hashes: hashes.filter((_, j) => (j + i) % 2 === 0 || j < 10) },
          { type: 'TOKENS_REVOKED_LEAKED', event: revocation() },
        ),
      ),
    );
    const revoked = results.flatMap((r) => r.revoked);
    expect(new Set(revoked).size).toBe(revoked.length);
    expect(new Set(revoked)).toEqual(new Set(specs.map((s) => s.tokenId)));
    expect((await tokens.get(other, foreign.tokenId))?.revokedAt).toBeNull();
    for (const r of results) expect(r.matched).toBeGreaterThanOrEqual(r.revoked.length);
    // each report is an event holding exactly its own revocations
    for (const r of results) {
      const targets = await store.events.targets(e, r.eventPk, 100);
      expect(targets.sort()).toEqual([...r.revoked].sort());
    }
    // restricted to a user
    const more = Array.from({ length: 6 }, (_, i) => newSpec(e, { userId: i % 2 ? user : randomUUID() }));
    for (const s of more) await tokens.issue(s, issueEvent());
    const mine = await tokens.revokeMany(
      e,
      { tokenIds: more.map((s) => s.tokenId) },
      { type: 'TOKENS_REVOKED_LEAKED', event: revocation(), userId: user },
    );
    expect(mine.matched).toBe(3);
    expect(new Set(mine.revoked)).toEqual(new Set(more.filter((_, i) => i % 2).map((s) => s.tokenId)));
  });

  it('records a report that matched nothing, and ignores ids that are not UUIDs', async () => {
    const { tokens, store, entity } = await setup();
    const e = (await entity('E')).pk;
    const r = await tokens.revokeMany(
      e,
      { tokenIds: ['nope', randomUUID()] },
      { type: 'TOKENS_REVOKED_LEAKED', event: revocation({ reason: 'scan' }) },
    );
    expect(r).toMatchObject({ matched: 0, revoked: [] });
    const [event] = await store.events.list(e, { limit: 5 });
    expect(event).toMatchObject({ pk: r.eventPk, type: 'TOKENS_REVOKED_LEAKED', reason: 'scan', tokenCount: 0 });
  });

  it('grows one revocation by filter batch by batch under its idempotency key, and finds it again by the key', async () => {
    const { tokens, store, entity } = await setup();
    const e = (await entity('E')).pk;
    const other = (await entity('F')).pk;
    const specs = Array.from({ length: 12 }, () => newSpec(e));
    for (const s of specs) await tokens.issue(s, issueEvent());
    const spec = { ...revocation({ reason: 'offboarding' }), idempotencyKey: 'key-1', fingerprint: 'fp-1' };
    const started = await store.events.begin(e, spec);
    expect(started).toMatchObject({
      created: true,
      fingerprint: 'fp-1',
      event: { type: 'TOKENS_REVOKED_BY_FILTER', completedAt: null, tokenCount: 0 },
    });
    for (const batch of [specs.slice(0, 5), specs.slice(3, 12)]) {
      await tokens.revokeMany(
        e,
        { tokenIds: batch.map((s) => s.tokenId) },
        { type: 'TOKENS_REVOKED_BY_FILTER', event: spec, eventPk: started.event.pk },
      );
    }
    await store.events.complete(e, started.event.pk);
    const again = await store.events.begin(e, { ...revocation(), idempotencyKey: 'key-1', fingerprint: 'fp-2' });
    expect(again).toMatchObject({ created: false, fingerprint: 'fp-1', event: { pk: started.event.pk, tokenCount: 12 } });
    expect(again.event.completedAt).not.toBeNull();
    expect((await store.events.targets(e, started.event.pk, 100)).sort()).toEqual(specs.map((s) => s.tokenId).sort());
    // the key is the entity's: another entity starts its own
    expect((await store.events.begin(other, { ...revocation(), idempotencyKey: 'key-1', fingerprint: 'fp-1' })).created).toBe(true);
    // paging the tokens of the event by token_id
    const ids = specs.map((s) => s.tokenId).sort();
    const page1 = await store.events.targets(e, started.event.pk, 5);
    const page2 = await store.events.targets(e, started.event.pk, 5, page1.at(-1));
    expect([...page1, ...page2]).toEqual(ids.slice(0, 10));
  });
});
