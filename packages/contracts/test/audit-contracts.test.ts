import { describe, expect, it } from 'vitest';
import {
  decodeQuery,
  encodeQuery,
  EVENT_TYPES,
  instantToMicrosCeil,
  ListTokenEventsInput,
  MAX_LEAKED_TOKENS,
  queryFields,
  ListTokensInput,
  RevokeByFilterInput,
  RevokeLeakedInput,
  RevokeTokenInput,
  TIME_FILTERS,
  TokenFilterFields,
} from '../src/index.js';

const S = 1_000_000;

describe('instant bounds of the time filters', () => {
  it.each([
    ['1970-01-01T00:00:00Z', 0],
    ['1970-01-01T00:00:01Z', S],
    ['1970-01-01T00:00:00.000001Z', 1],
    // sub-microsecond digits round up: a µs instant is at or after T exactly when it is >= ceil(T)
    ['1970-01-01T00:00:00.0000001Z', 1],
    ['1970-01-01T00:00:00.000000999Z', 1],
    ['1970-01-01T00:00:00.999999999Z', S],
    ['1969-12-31T23:59:59.9999995Z', 0],
    ['1970-01-01T02:00:00+02:00', 0],
    ['1969-12-31T22:00:00-02:00', 0],
    ['1970-01-01t00:00:00z', 0],
    ['2026-12-07T10:00:00.5Z', Date.UTC(2026, 11, 7, 10) * 1000 + 500_000],
  ])('%s is %d µs', (text, micros) => {
    expect(instantToMicrosCeil(text)).toBe(micros);
  });

  it.each([
    '',
    'yesterday',
    '2026-12-07',
    '2026-12-07T10:00:00',
    '2026-02-30T00:00:00Z',
    '2026-12-07T24:00:00Z',
    '2026-12-07T10:00:00+24:00',
    '2026-12-07T10:00:00+01:60',
    '2026-12-07T10:00:00.1234567890Z',
  ])('refuses %j', (text) => {
    expect(instantToMicrosCeil(text)).toBeUndefined();
  });
});

describe('the query codec: lists and booleans', () => {
  it('reads a repeated list parameter in order, and writes it back repeated', () => {
    const query = 'type=TOKEN_REVOKED&type=TOKEN_ISSUED';
    const decoded = decodeQuery(ListTokenEventsInput, query);
    expect(decoded).toEqual({ ok: true, value: expect.objectContaining({ type: ['TOKEN_REVOKED', 'TOKEN_ISSUED'] }) });
    expect(encodeQuery({ type: ['TOKEN_REVOKED', 'TOKEN_ISSUED'] })).toBe(query);
    expect(queryFields(ListTokenEventsInput).get('type')).toBe('list');
  });

  it('names a bad list item by the parameter, and refuses empty items and repeats of single parameters', () => {
    const bad = decodeQuery(ListTokenEventsInput, 'type=TOKEN_REVOKED&type=NOPE');
    expect(bad.ok || bad.violations).toEqual([{ field: 'type', reason: 'invalid' }]);
    const empty = decodeQuery(ListTokenEventsInput, 'type=');
    expect(empty.ok || empty.violations).toEqual([{ field: 'type', reason: 'invalid' }]);
    // an empty first value, then a good one: still a 400, never a throw
    const emptyFirst = decodeQuery(ListTokenEventsInput, 'type=&type=TOKEN_ISSUED');
    expect(emptyFirst.ok || emptyFirst.violations).toEqual([{ field: 'type', reason: 'invalid' }]);
    const repeated = decodeQuery(ListTokenEventsInput, 'page_size=2&page_size=3');
    expect(repeated.ok || repeated.violations).toEqual([{ field: 'page_size', reason: 'repeated' }]);
    const tooMany = decodeQuery(ListTokenEventsInput, [...EVENT_TYPES, 'TOKEN_ISSUED'].map((t) => `type=${t}`).join('&'));
    expect(tooMany.ok || tooMany.violations).toEqual([{ field: 'type', reason: 'invalid' }]);
  });
});

describe('ListTokenEventsInput', () => {
  it('defaults to 50 events, and takes 1 to 100', () => {
    expect(ListTokenEventsInput.parse({})).toEqual({ page_size: 50 });
    for (const n of [1, 100]) expect(ListTokenEventsInput.safeParse({ page_size: n }).success).toBe(true);
    for (const n of [0, 101, 1.5]) expect(ListTokenEventsInput.safeParse({ page_size: n }).success).toBe(false);
  });

  it('decodes the time filters to µs and checks the ids', () => {
    const decoded = decodeQuery(ListTokenEventsInput, 'occurred_after=1970-01-01T00:00:01Z&occurred_before=1970-01-01T00:00:02.0000001Z');
    expect(decoded).toEqual({ ok: true, value: { page_size: 50, occurred_after: S, occurred_before: 2 * S + 1 } });
    for (const [field, value] of [
      ['token_id', 'nope'],
      ['actor_token_id', 'nope'],
      ['actor_user_id', 'nope'],
      ['actor_client_id', ''],
      ['actor_client_id', 'x'.repeat(257)],
      ['page_token', ''],
      ['page_token', 'x'.repeat(1025)],
      ['occurred_after', '2026-13-01T00:00:00Z'],
    ] as const) {
      expect(ListTokenEventsInput.safeParse({ [field]: value }).success, `${field}=${value.slice(0, 20)}`).toBe(false);
    }
  });
});

describe('revocation inputs', () => {
  it(`takes 1 to ${MAX_LEAKED_TOKENS} leaked strings of 1 to 256 characters`, () => {
    expect(RevokeLeakedInput.safeParse({ tokens: ['x'] }).success).toBe(true);
    expect(RevokeLeakedInput.safeParse({ tokens: Array(MAX_LEAKED_TOKENS).fill('x'.repeat(256)) }).success).toBe(true);
    for (const tokens of [[], Array(MAX_LEAKED_TOKENS + 1).fill('x'), ['x'.repeat(257)], [''], 'x']) {
      expect(RevokeLeakedInput.safeParse({ tokens }).success).toBe(false);
    }
  });

  it('trims a reason and takes 1 to 500 characters', () => {
    const ok = RevokeTokenInput.parse({ token_id: '249a0a2e-028a-4e15-a841-de9fd4e4cd84', body: { reason: '  leaked  ' } });
    expect(ok.body?.reason).toBe('leaked');
    expect(RevokeLeakedInput.safeParse({ tokens: ['x'], reason: 'r'.repeat(500) }).success).toBe(true);
    for (const reason of ['', '   ', 'r'.repeat(501)]) expect(RevokeLeakedInput.safeParse({ tokens: ['x'], reason }).success).toBe(false);
  });

  it('by filter: every filter of the list, read as the list reads it, but not the list’s paging, order or page token', () => {
    const listKeys = Object.keys(ListTokensInput.shape);
    expect(Object.keys(TokenFilterFields.shape).sort()).toEqual(
      listKeys.filter((k) => !['page_params', 'order_params', 'page_token'].includes(k)).sort(),
    );
    const parsed = RevokeByFilterInput.parse({
      status: ['TOKEN_STATUS_ACTIVE', 'EXPIRED'],
      client_id: 'ci-bot',
      scope: 'iam.oauth.*',
      created_after: '1970-01-01T02:00:01+02:00',
      never_used: false,
      dry_run: true,
    });
    expect(parsed).toMatchObject({ status: ['ACTIVE', 'EXPIRED'], client_id: 'ci-bot', scope: 'iam.oauth.*', created_after: S, never_used: false });
    // Its page_token is its own: any string the revoked ids' pages handed out (the operation opens it).
    expect(RevokeByFilterInput.parse({ page_token: 'abc' }).page_token).toBe('abc');
    for (const [field, value] of [
      ['status', []],
      ['status', ['PAUSED']],
      ['scope', 'a..b'],
      ['client_id', ''],
      ...TIME_FILTERS.map((f) => [f, 'yesterday'] as const),
      ['never_used', 'yes'],
      ['page_params', { page_size: 1 }],
      ['order_params', { order_key: 'token_id' }],
    ] as const) {
      expect(RevokeByFilterInput.safeParse({ [field]: value }).success, `${field}=${JSON.stringify(value)}`).toBe(false);
    }
  });
});
