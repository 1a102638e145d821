import { describe, expect, it } from 'vitest';
import { API, decodeQuery, describeViolation, queryFields, TokenSummary, TokenSummaryInput } from '../src/index.js';

describe('the summary’s query', () => {
  it('takes the list’s snapshot as first_request_timestamp.seconds and .nanos, and nothing else', () => {
    expect([...queryFields(TokenSummaryInput).keys()]).toEqual(['first_request_timestamp.seconds', 'first_request_timestamp.nanos']);
    expect(decodeQuery(TokenSummaryInput, '')).toEqual({ ok: true, value: {} });
    expect(decodeQuery(TokenSummaryInput, 'first_request_timestamp.seconds=1700000000&first_request_timestamp.nanos=5')).toEqual({
      ok: true,
      value: { first_request_timestamp: { seconds: 1_700_000_000, nanos: 5 } },
    });
    expect(decodeQuery(TokenSummaryInput, 'first_request_timestamp.seconds=-62135596800')).toMatchObject({ ok: true });
    expect(decodeQuery(TokenSummaryInput, 'first_request_timestamp.seconds=253402300799&first_request_timestamp.nanos=999999999')).toMatchObject({
      ok: true,
    });
  });

  it('names each bad parameter, with its rule in both languages', () => {
    const bad = decodeQuery(
      TokenSummaryInput,
      'first_request_timestamp.seconds=253402300800&first_request_timestamp.nanos=1000000000&page_params.page_size=1',
    );
    expect(bad.ok).toBe(false);
    const violations = bad.ok ? [] : bad.violations;
    expect(violations.map((v) => v.field).sort()).toEqual([
      'first_request_timestamp.nanos',
      'first_request_timestamp.seconds',
      'page_params.page_size',
    ]);
    expect(describeViolation({ field: 'first_request_timestamp.seconds', reason: 'invalid' }, 'en')).toContain('253402300799');
    expect(describeViolation({ field: 'first_request_timestamp.nanos', reason: 'invalid' }, 'es')).toBe(
      'debe ser un número entero entre 0 y 999999999',
    );
    expect(decodeQuery(TokenSummaryInput, 'first_request_timestamp.nanos=1')).toMatchObject({
      ok: false,
      violations: [{ field: 'first_request_timestamp.seconds', reason: 'required' }],
    });
  });

  it('is served at the tokens:summary custom method with the list’s scope, as a query', () => {
    expect(API.tokens.summary).toMatchObject({
      kind: 'query',
      access: { scope: 'iam.oauth.tokens.list.get' },
      rest: { method: 'GET', path: '/v1/iam/oauth/tokens:summary' },
    });
    expect(API.tokens.summary.input.parse(undefined)).toEqual({});
  });

  it('holds the answer to whole counts and dates', () => {
    const ok = {
      first_request_timestamp: '2026-03-29T02:12:15Z',
      active: { total: 0, by_grant_flow: [], by_role: [], never_used: 0, unused_30_days: 0 },
      created_per_day: [{ day: '2026-03-29', count: 1 }],
      expiring_next_7_days: [{ from: '2026-03-29T02:12:15Z', to: '2026-03-30T02:12:15Z', count: 0 }],
    };
    expect(TokenSummary.safeParse(ok).success).toBe(true);
    expect(TokenSummary.safeParse({ ...ok, created_per_day: [{ day: '2026-02-30', count: 1 }] }).success).toBe(false);
    expect(TokenSummary.safeParse({ ...ok, active: { ...ok.active, total: -1 } }).success).toBe(false);
  });
});
