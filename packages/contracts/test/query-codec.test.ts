import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  decodeQuery,
  DEFAULT_PAGE_SIZE,
  encodeQuery,
  GRANT_FLOWS,
  ListTokensInput,
  MAX_NANOS,
  MAX_PAGE_NUMBER,
  MAX_PAGE_SIZE,
  MAX_TIMESTAMP_SECONDS,
  MIN_TIMESTAMP_SECONDS,
  ORDER_DIRECTIONS,
  ORDER_KEYS,
  MAX_SCOPE_FILTER_LENGTH,
  MAX_STATUS_VALUES,
  queryFields,
  STATUS_FILTERS,
  TOKEN_STATUSES,
  violationsFromZod,
  type ListTokensRequest,
  type Violation,
} from '../src/index.js';
import { randomUuid, rng, type Rng } from './helpers.js';

const PAGE_SIZE = 'page_params.page_size';
const PAGE_NUMBER = 'page_params.page_number';
const SECONDS = 'page_params.first_request_timestamp.seconds';
const NANOS = 'page_params.first_request_timestamp.nanos';
const ORDER_KEY = 'order_params.order_key';
const ORDER_DIRECTION = 'order_params.order_direction';

const INTEGER_FIELDS = [PAGE_SIZE, PAGE_NUMBER, SECONDS, NANOS] as const;
const TIME_FIELDS = ['created_after', 'created_before', 'expires_after', 'expires_before', 'last_used_after', 'last_used_before'] as const;
/** Every parameter that takes one value (status is the one that repeats). */
const ALL_FIELDS = [
  PAGE_SIZE,
  PAGE_NUMBER,
  SECONDS,
  NANOS,
  ORDER_KEY,
  ORDER_DIRECTION,
  'page_token',
  'account_id',
  'user_id',
  'grant_flow',
  'role',
  'client_id',
  'scope',
  ...TIME_FIELDS,
  'never_used',
] as const;

const DEFAULTS = {
  page_params: { page_size: DEFAULT_PAGE_SIZE },
  order_params: { order_key: 'created_at', order_direction: 'DESC' },
};

const UUID = '249a0a2e-028a-4e15-a841-de9fd4e4cd84';

function decode(query: string | URLSearchParams) {
  return decodeQuery(ListTokensInput, query);
}

function ok(query: string): ListTokensInput {
  const r = decode(query);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(query)} to decode, got ${JSON.stringify(r.violations)}`);
  return r.value;
}

function violations(query: string): Violation[] {
  const r = decode(query);
  if (r.ok) throw new Error(`expected ${JSON.stringify(query)} to be rejected, got ${JSON.stringify(r.value)}`);
  return r.violations;
}

/** `key=value` with the value percent-encoded, so the value reaches the decoder verbatim. */
function kv(key: string, value: string): string {
  return `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
}

/** A query with `key=value` that needs a timestamp's seconds when it sets the nanos. */
function withRequired(key: string, value: string): string {
  return key === NANOS ? `${kv(SECONDS, '0')}&${kv(key, value)}` : kv(key, value);
}

describe('queryFields', () => {
  it('lists exactly the dotted parameters of the contract, with their kinds', () => {
    expect(Object.fromEntries(queryFields(ListTokensInput))).toEqual({
      [PAGE_SIZE]: 'integer',
      [PAGE_NUMBER]: 'integer',
      [SECONDS]: 'integer',
      [NANOS]: 'integer',
      [ORDER_KEY]: 'string',
      [ORDER_DIRECTION]: 'string',
      page_token: 'string',
      account_id: 'string',
      user_id: 'string',
      grant_flow: 'string',
      role: 'string',
      status: 'list',
      client_id: 'string',
      scope: 'string',
      created_after: 'string',
      created_before: 'string',
      expires_after: 'string',
      expires_before: 'string',
      last_used_after: 'string',
      last_used_before: 'string',
      never_used: 'boolean',
    });
  });
});

describe('decodeQuery(ListTokensInput): defaults', () => {
  it.each(['', '?'])('applies every default to %j', (q) => {
    expect(ok(q)).toEqual(DEFAULTS);
  });

  it('has no snapshot and no filters when they are absent', () => {
    const v = ok('');
    expect(v.page_params.first_request_timestamp).toBeUndefined();
    expect(v.account_id).toBeUndefined();
    expect(v.user_id).toBeUndefined();
    expect(v.grant_flow).toBeUndefined();
    expect(v.role).toBeUndefined();
  });

  it('defaults page_size when only page_number is given; an absent page_number stays absent (page 1, told from one sent)', () => {
    expect(ok(`${PAGE_NUMBER}=3`).page_params).toEqual({ page_size: 10, page_number: 3 });
    expect(ok(`${PAGE_SIZE}=7`).page_params).toEqual({ page_size: 7 });
    expect(ok(`${PAGE_NUMBER}=1`).page_params).toEqual({ page_size: 10, page_number: 1 });
  });

  it('defaults the order key when only the direction is given, and vice versa', () => {
    expect(ok(`${ORDER_DIRECTION}=ASC`).order_params).toEqual({ order_key: 'created_at', order_direction: 'ASC' });
    expect(ok(`${ORDER_KEY}=token_id`).order_params).toEqual({ order_key: 'token_id', order_direction: 'DESC' });
  });

  it('defaults nanos to 0 when only seconds are given', () => {
    expect(ok(`${SECONDS}=1757542970`).page_params.first_request_timestamp).toEqual({ seconds: 1757542970, nanos: 0 });
  });

  it('requires seconds when nanos are given without them', () => {
    expect(violations(`${NANOS}=5`)).toEqual([{ field: SECONDS, reason: 'required' }]);
  });

  it('accepts a leading "?" and a URLSearchParams', () => {
    expect(ok(`?${PAGE_SIZE}=5`).page_params.page_size).toBe(5);
    const r = decode(new URLSearchParams({ [PAGE_SIZE]: '42', role: 'AUDITOR' }));
    expect(r.ok && r.value.page_params.page_size).toBe(42);
    expect(r.ok && r.value.role).toBe('AUDITOR');
  });
});

describe('decodeQuery(ListTokensInput): integer boundaries', () => {
  const cases: [string, number, boolean][] = [
    [PAGE_SIZE, -1, false],
    [PAGE_SIZE, 0, false],
    [PAGE_SIZE, 1, true],
    [PAGE_SIZE, 10, true],
    [PAGE_SIZE, MAX_PAGE_SIZE, true],
    [PAGE_SIZE, 100, true],
    [PAGE_SIZE, 101, false],
    [PAGE_NUMBER, -1, false],
    [PAGE_NUMBER, 0, false],
    [PAGE_NUMBER, 1, true],
    [PAGE_NUMBER, 2, true],
    [PAGE_NUMBER, MAX_PAGE_NUMBER, true],
    [PAGE_NUMBER, 2147483647, true],
    [PAGE_NUMBER, 2147483648, false],
    [SECONDS, -62135596801, false],
    [SECONDS, MIN_TIMESTAMP_SECONDS, true],
    [SECONDS, -62135596800, true],
    [SECONDS, -1, true],
    [SECONDS, 0, true],
    [SECONDS, MAX_TIMESTAMP_SECONDS, true],
    [SECONDS, 253402300799, true],
    [SECONDS, 253402300800, false],
    [NANOS, -1, false],
    [NANOS, 0, true],
    [NANOS, 1, true],
    [NANOS, MAX_NANOS, true],
    [NANOS, 999999999, true],
    [NANOS, 1000000000, false],
  ];

  const read = (v: ListTokensInput, field: string): number | undefined => {
    switch (field) {
      case PAGE_SIZE:
        return v.page_params.page_size;
      case PAGE_NUMBER:
        return v.page_params.page_number;
      case SECONDS:
        return v.page_params.first_request_timestamp?.seconds;
      default:
        return v.page_params.first_request_timestamp?.nanos;
    }
  };

  it.each(cases)('%s=%d accepted: %s', (field, n, accepted) => {
    const q = withRequired(field, String(n));
    if (accepted) {
      expect(read(ok(q), field)).toBe(n);
    } else {
      expect(violations(q)).toEqual([{ field, reason: 'invalid' }]);
    }
  });

  it('checks both timestamp parts independently', () => {
    expect(violations(`${SECONDS}=253402300800&${NANOS}=1000000000`)).toEqual([
      { field: SECONDS, reason: 'invalid' },
      { field: NANOS, reason: 'invalid' },
    ]);
    expect(violations(`${SECONDS}=253402300800&${NANOS}=999999999`)).toEqual([{ field: SECONDS, reason: 'invalid' }]);
    expect(ok(`${SECONDS}=253402300799&${NANOS}=999999999`).page_params.first_request_timestamp).toEqual({
      seconds: 253402300799,
      nanos: 999999999,
    });
    expect(ok(`${SECONDS}=-62135596800&${NANOS}=0`).page_params.first_request_timestamp).toEqual({
      seconds: -62135596800,
      nanos: 0,
    });
  });

  const NON_INTEGERS = [
    '1.5',
    '1.0',
    '1e3',
    '1E3',
    'abc',
    ' 1',
    '1 ',
    '\t1',
    '0x10',
    '1_000',
    '1,000',
    '--1',
    '1-',
    '-',
    'Infinity',
    '-Infinity',
    'NaN',
    'true',
    'null',
    '99999999999999999999999',
    '99999999999999999999',
    '9007199254740993',
    '-99999999999999999999',
    '１０', // full-width digits
    '١', // Arabic-Indic digit one
    '½',
    '€',
  ];

  for (const field of INTEGER_FIELDS) {
    it.each(NON_INTEGERS)(`${field}=%j is invalid and named as written`, (value) => {
      expect(violations(withRequired(field, value))).toEqual([{ field, reason: 'invalid' }]);
    });
  }

  it('reads a raw "+" as a space, which is not an integer', () => {
    expect(violations(`${PAGE_SIZE}=+1`)).toEqual([{ field: PAGE_SIZE, reason: 'invalid' }]);
    expect(violations(`${PAGE_SIZE}=%2B1`)).toEqual([{ field: PAGE_SIZE, reason: 'invalid' }]);
  });
});

describe('decodeQuery(ListTokensInput): enums', () => {
  it.each(ORDER_KEYS)('order_key %s is accepted as is', (key) => {
    expect(ok(kv(ORDER_KEY, key)).order_params.order_key).toBe(key);
  });
  it.each(ORDER_DIRECTIONS)('order_direction %s is accepted as is', (dir) => {
    expect(ok(kv(ORDER_DIRECTION, dir)).order_params.order_direction).toBe(dir);
  });
  it.each(GRANT_FLOWS)('grant_flow %s is accepted as is', (flow) => {
    expect(ok(kv('grant_flow', flow)).grant_flow).toBe(flow);
  });

  const wrong: [string, string][] = [
    [ORDER_KEY, 'CREATED_AT'],
    [ORDER_KEY, 'created'],
    [ORDER_KEY, 'name'],
    [ORDER_KEY, ' created_at'],
    [ORDER_KEY, 'created_at '],
    [ORDER_KEY, 'ORDER_KEY_UNSPECIFIED'],
    [ORDER_DIRECTION, 'asc'],
    [ORDER_DIRECTION, 'desc'],
    [ORDER_DIRECTION, 'ORDER_DIRECTION_ASC'],
    [ORDER_DIRECTION, 'UP'],
    [ORDER_DIRECTION, '1'],
    ['grant_flow', 'password'],
    ['grant_flow', 'GRANT_FLOW_UNSPECIFIED'],
    ['grant_flow', 'GRANT_FLOW_REFRESH_TOKEN'],
    ['grant_flow', 'grant_flow_password'],
    ['grant_flow', '2'],
  ];
  it.each(wrong)('%s=%j is invalid', (field, value) => {
    expect(violations(kv(field, value))).toEqual([{ field, reason: 'invalid' }]);
  });
});

describe('decodeQuery(ListTokensInput): account_id / user_id / role', () => {
  const GOOD_UUIDS = [
    UUID,
    UUID.toUpperCase(),
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '0198c2d4-7a1e-7c3b-9f2e-3b4c5d6e7f80', // v7
  ];
  const BAD_UUIDS = [
    '249a0a2e028a4e15a841de9fd4e4cd84',
    '249a0a2e-028a-4e15-a841-de9fd4e4cd8',
    '249a0a2e-028a-4e15-a841-de9fd4e4cd845',
    '249a0a2g-028a-4e15-a841-de9fd4e4cd84',
    `{${UUID}}`,
    `urn:uuid:${UUID}`,
    `${UUID} `,
    ` ${UUID}`,
    `${UUID}\n`,
    '249a0a2e_028a_4e15_a841_de9fd4e4cd84',
    'not-a-uuid',
    '1',
  ];
  for (const field of ['account_id', 'user_id'] as const) {
    it.each(GOOD_UUIDS)(`${field}=%s is accepted unchanged`, (id) => {
      expect(ok(kv(field, id))[field]).toBe(id);
    });
    it.each(BAD_UUIDS)(`${field}=%j is invalid`, (id) => {
      expect(violations(kv(field, id))).toEqual([{ field, reason: 'invalid' }]);
    });
  }

  const GOOD_ROLES = ['ENTITY_ADMIN', 'AUDITOR', 'a', '0', 'x'.repeat(64), 'team.billing:reader-2_v', '-', '...'];
  const BAD_ROLES = ['x'.repeat(65), 'ENTITY ADMIN', 'role/x', 'a,b', '*', 'rôle', '€', 'ＡＤＭＩＮ', 'admin\u0000', 'admin\n', '<script>', '😀'];
  it.each(GOOD_ROLES)('role=%j is accepted', (role) => {
    expect(ok(kv('role', role)).role).toBe(role);
  });
  it.each(BAD_ROLES)('role=%j is invalid', (role) => {
    expect(violations(kv('role', role))).toEqual([{ field: 'role', reason: 'invalid' }]);
  });
});

describe('decodeQuery(ListTokensInput): status, client_id, scope, time bounds, never_used, page_token', () => {
  it.each([...STATUS_FILTERS, ...TOKEN_STATUSES])('status=%s is accepted, as its short name', (value) => {
    expect(ok(kv('status', value)).status).toEqual([value.replace('TOKEN_STATUS_', '')]);
  });

  it('reports an empty status and keeps reading its repeats (found by the fuzzer: a 500)', () => {
    expect(violations('status=&status=ACTIVE')).toEqual([{ field: 'status', reason: 'invalid' }]);
    expect(violations('status&status=ACTIVE&status=REVOKED')).toEqual([{ field: 'status', reason: 'invalid' }]);
    expect(violations('status=ACTIVE&status=&status=nope')).toEqual([{ field: 'status', reason: 'invalid' }]);
  });

  it('takes status repeated, in the order given, up to every spelling of every status', () => {
    expect(ok('status=REVOKED&status=ACTIVE').status).toEqual(['REVOKED', 'ACTIVE']);
    const all = [...STATUS_FILTERS, ...TOKEN_STATUSES];
    expect(all).toHaveLength(MAX_STATUS_VALUES);
    expect(ok(all.map((v) => kv('status', v)).join('&')).status).toHaveLength(MAX_STATUS_VALUES);
    expect(violations([...all, 'ACTIVE'].map((v) => kv('status', v)).join('&'))).toEqual([{ field: 'status', reason: 'invalid' }]);
  });

  it.each(['active', 'TOKEN_STATUS_UNSPECIFIED', 'ACTIVE,REVOKED', 'ACTIVE ', 'STATUS_ACTIVE', '1', 'ALL'])(
    'status=%j is invalid, named status',
    (value) => {
      expect(violations(kv('status', value))).toEqual([{ field: 'status', reason: 'invalid' }]);
      expect(violations(`status=ACTIVE&${kv('status', value)}`)).toEqual([{ field: 'status', reason: 'invalid' }]);
    },
  );

  it('takes a client_id of 1 to 1024 characters as written', () => {
    for (const id of ['c', 'tokenwarden-login', 'a b&c=d', 'x'.repeat(1024), 'é😀']) expect(ok(kv('client_id', id)).client_id).toBe(id);
    expect(violations(kv('client_id', 'x'.repeat(1025)))).toEqual([{ field: 'client_id', reason: 'invalid' }]);
  });

  const GOOD_SCOPES = [
    '*',
    'a',
    'iam.oauth.*',
    'iam.oauth.tokens.list.get',
    'a:b-c_D.9',
    `${'a.'.repeat(127)}*`,
    'x'.repeat(MAX_SCOPE_FILTER_LENGTH),
  ];
  const BAD_SCOPES = [
    'x'.repeat(MAX_SCOPE_FILTER_LENGTH + 1),
    'iam.*.x',
    '*.a',
    'a..b',
    '.a',
    'a.',
    'iam oauth',
    '**',
    'a.*x',
    'a*',
    'é',
    'a,b',
    'a/b',
  ];
  it.each(GOOD_SCOPES)('scope=%j is accepted', (scope) => {
    expect(ok(kv('scope', scope)).scope).toBe(scope);
  });
  it.each(BAD_SCOPES)('scope=%j is invalid', (scope) => {
    expect(violations(kv('scope', scope))).toEqual([{ field: 'scope', reason: 'invalid' }]);
  });

  const at = Date.UTC(2026, 0, 31, 23) * 1000;
  const GOOD_INSTANTS: [string, number][] = [
    ['2026-01-31T23:00:00Z', at],
    ['2026-01-31T23:00:00z', at],
    ['2026-02-01T00:00:00+01:00', at],
    ['2026-01-31T21:30:00-01:30', at],
    ['2026-01-31T23:00:00.000001Z', at + 1],
    // nanoseconds round up to the next stored microsecond: after is >=, before is <
    ['2026-01-31T23:00:00.000000001Z', at + 1],
    ['2026-01-31T23:00:00.999999999Z', at + 1_000_000],
    ['1700-01-01T00:00:00Z', Date.UTC(1700, 0, 1) * 1000],
    ['2200-12-31T23:59:59.999999Z', Date.UTC(2200, 11, 31, 23, 59, 59) * 1000 + 999_999],
    ['1970-01-01T00:00:00Z', 0],
  ];
  const BAD_INSTANTS = [
    'yesterday',
    '2026-02-30T00:00:00Z',
    '2026-01-31 23:00:00Z',
    '2026-01-31T23:00:00',
    '2026-01-31',
    '2026-01-31T24:00:00Z',
    '2026-01-31T23:00:00+24:00',
    '2026-01-31T23:00:00+01:60',
    '2026-01-31T23:00:00.0000000001Z',
    '1757542970',
    `2026-01-31T23:00:00.${'0'.repeat(20)}Z`,
    // beyond what a stored µs instant can hold (a safe integer: years 1685 to 2254)
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
  ];
  for (const field of TIME_FIELDS) {
    it.each(GOOD_INSTANTS)(`${field}=%s is the first stored µs at or after it`, (text, micros) => {
      expect(ok(kv(field, text))[field]).toBe(micros);
    });
    it.each(BAD_INSTANTS)(`${field}=%j is invalid`, (text) => {
      expect(violations(kv(field, text))).toEqual([{ field, reason: 'invalid' }]);
    });
  }

  it('takes never_used=true or false only', () => {
    expect(ok('never_used=true').never_used).toBe(true);
    expect(ok('never_used=false').never_used).toBe(false);
    for (const v of ['TRUE', 'True', '1', '0', 'yes', 'on', 'true ']) {
      expect(violations(kv('never_used', v))).toEqual([{ field: 'never_used', reason: 'invalid' }]);
    }
  });

  it('takes a page_token of 1 to 1024 characters, opaque to the codec', () => {
    expect(ok(kv('page_token', 'x'.repeat(1024))).page_token).toHaveLength(1024);
    expect(ok(kv('page_token', '!?')).page_token).toBe('!?');
    expect(violations(kv('page_token', 'x'.repeat(1025)))).toEqual([{ field: 'page_token', reason: 'invalid' }]);
  });

  it('validates the same values as tRPC input, where a list is an array and never_used a boolean', () => {
    const parse = (input: Record<string, unknown>) => ListTokensInput.safeParse(input);
    expect(parse({ status: ['TOKEN_STATUS_REVOKED', 'ACTIVE'] }).data?.status).toEqual(['REVOKED', 'ACTIVE']);
    expect(parse({ status: [] }).success).toBe(false);
    expect(parse({ status: 'ACTIVE' }).success).toBe(false);
    expect(parse({ never_used: 'true' }).success).toBe(false);
    expect(parse({ never_used: false }).data?.never_used).toBe(false);
    expect(parse({ created_after: 1_700_000_000 }).success).toBe(false);
    expect(parse({ created_after: '2026-01-31T23:00:00Z' }).data?.created_after).toBe(at);
    expect(parse({ client_id: '' }).success).toBe(false);
    expect(parse({ scope: '' }).success).toBe(false);
    expect(parse({ page_token: '' }).success).toBe(false);
  });
});

describe('decodeQuery(ListTokensInput): unknown, repeated and empty parameters', () => {
  const UNKNOWN = [
    'foo',
    'page_size',
    'page_number',
    'order_key',
    'PAGE_PARAMS.PAGE_SIZE',
    'page_params.pagesize',
    'page_params',
    'order_params',
    'page_params.first_request_timestamp',
    'page_params.first_request_timestamp.millis',
    'page_params.page_size.x',
    'page_params..page_size',
    '.role',
    'role.',
    'token_id',
    'tokens',
    '__proto__',
    'constructor',
    'prototype',
    'page_params[page_size]',
    'first_request_timestamp',
    '😀',
    'rôle',
  ];
  it.each(UNKNOWN)('%j is an unknown parameter, named as written', (key) => {
    expect(violations(kv(key, '1'))).toEqual([{ field: key, reason: 'unknown_parameter' }]);
  });

  it('reports an unknown parameter even with an empty value', () => {
    expect(violations('foo=')).toEqual([{ field: 'foo', reason: 'unknown_parameter' }]);
    expect(violations('foo')).toEqual([{ field: 'foo', reason: 'unknown_parameter' }]);
  });

  it('does not pollute prototypes with __proto__ / constructor keys', () => {
    decode('__proto__.polluted=1&constructor.prototype.polluted=1&__proto__=x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('reports several unknown parameters, each once', () => {
    expect(violations('a=1&b=2&a=3')).toEqual([
      { field: 'a', reason: 'unknown_parameter' },
      { field: 'b', reason: 'unknown_parameter' },
    ]);
  });

  it.each(ALL_FIELDS)('%s repeated is a violation of that parameter', (field) => {
    const sample: Record<string, string> = {
      [PAGE_SIZE]: '5',
      [PAGE_NUMBER]: '2',
      [SECONDS]: '100',
      [NANOS]: '5',
      [ORDER_KEY]: 'token_id',
      [ORDER_DIRECTION]: 'ASC',
      account_id: UUID,
      user_id: UUID,
      grant_flow: 'GRANT_FLOW_LOGIN',
      role: 'AUDITOR',
      page_token: 'abc',
      client_id: 'c1',
      scope: 'iam.oauth.*',
      never_used: 'true',
      ...Object.fromEntries(TIME_FIELDS.map((f) => [f, '2026-01-31T23:00:00Z'])),
    };
    const value = sample[field] ?? '';
    const base = field === NANOS ? `${SECONDS}=0&` : '';
    const vs = violations(`${base}${kv(field, value)}&${kv(field, value)}`);
    expect(vs).toEqual([{ field, reason: 'repeated' }]);
  });

  it('reports a repetition once however many times and with whatever values', () => {
    expect(violations(`${PAGE_SIZE}=5&${PAGE_SIZE}=500&${PAGE_SIZE}=abc&${PAGE_SIZE}=`)).toEqual([{ field: PAGE_SIZE, reason: 'repeated' }]);
  });

  it('names only the repeated parameter when its first value is also bad', () => {
    const vs = violations(`${PAGE_SIZE}=0&${PAGE_SIZE}=5`);
    expect(vs.length).toBeGreaterThan(0);
    expect(vs.every((v) => v.field === PAGE_SIZE)).toBe(true);
    expect(vs).toContainEqual({ field: PAGE_SIZE, reason: 'repeated' });
  });

  it.each(ALL_FIELDS)('%s with an empty value is invalid', (field) => {
    const base = field === NANOS ? `${SECONDS}=0&` : '';
    expect(violations(`${base}${field}=`)).toEqual([{ field, reason: 'invalid' }]);
    expect(violations(`${base}${field}`)).toEqual([{ field, reason: 'invalid' }]);
  });

  it('reports every problem of a bad query, each naming its parameter', () => {
    const vs = violations(`${PAGE_SIZE}=0&${PAGE_NUMBER}=0&grant_flow=x&foo=1&user_id=nope&role=&${ORDER_KEY}=name&${ORDER_KEY}=token_id`);
    expect(new Set(vs.map((v) => `${v.field}:${v.reason}`))).toEqual(
      new Set([
        `${PAGE_SIZE}:invalid`,
        `${PAGE_NUMBER}:invalid`,
        'grant_flow:invalid',
        'foo:unknown_parameter',
        'user_id:invalid',
        'role:invalid',
        `${ORDER_KEY}:repeated`,
      ]),
    );
    expect(vs).toHaveLength(7);
  });
});

describe('decodeQuery(ListTokensInput): unicode and percent-encoding', () => {
  it('keeps malformed percent sequences literally and rejects them', () => {
    expect(violations('%ZZ=1')).toEqual([{ field: '%ZZ', reason: 'unknown_parameter' }]);
    expect(violations('role=%ZZ')).toEqual([{ field: 'role', reason: 'invalid' }]);
    expect(violations(`${PAGE_SIZE}=%ZZ`)).toEqual([{ field: PAGE_SIZE, reason: 'invalid' }]);
    expect(violations(`${PAGE_SIZE}=%`)).toEqual([{ field: PAGE_SIZE, reason: 'invalid' }]);
    expect(violations(`${PAGE_SIZE}=1%`)).toEqual([{ field: PAGE_SIZE, reason: 'invalid' }]);
    expect(violations('user_id=%E2%82')).toEqual([{ field: 'user_id', reason: 'invalid' }]);
  });

  it('decodes valid percent-encoded UTF-8 before validating', () => {
    expect(violations('role=%E2%82%AC')).toEqual([{ field: 'role', reason: 'invalid' }]);
    expect(violations(`${PAGE_SIZE}=%E2%82%AC`)).toEqual([{ field: PAGE_SIZE, reason: 'invalid' }]);
    expect(violations('%E2%82%AC=1')).toEqual([{ field: '€', reason: 'unknown_parameter' }]);
    expect(ok('role=ENTITY%5FADMIN').role).toBe('ENTITY_ADMIN');
    expect(ok(`${PAGE_SIZE}=%35`).page_params.page_size).toBe(5);
  });

  it('decodes percent-encoded keys to the parameter they spell', () => {
    expect(ok('page_params%2Epage_size=5').page_params.page_size).toBe(5);
    expect(violations('page_params.page_size%00=5')).toEqual([{ field: 'page_params.page_size\u0000', reason: 'unknown_parameter' }]);
  });

  it('rejects NUL, control characters and invalid UTF-8 in values', () => {
    expect(violations('user_id=%00')).toEqual([{ field: 'user_id', reason: 'invalid' }]);
    expect(violations('role=%ED%A0%80')).toEqual([{ field: 'role', reason: 'invalid' }]);
    expect(violations('role=%FF%FE')).toEqual([{ field: 'role', reason: 'invalid' }]);
    expect(violations(`grant_flow=GRANT_FLOW_LOGIN%0A`)).toEqual([{ field: 'grant_flow', reason: 'invalid' }]);
  });

  it('never throws on random junk, and every violation names a parameter the caller sent', () => {
    const r = rng(0xc0ffee);
    const alphabet = [...'abc_.=&%?+ 019-', 'é', '€', '😀', '%ZZ', '%E2%82%AC', '%00', '%2E', '%3D', '%26'];
    const keys = [...ALL_FIELDS, 'foo', '', 'page_params', '%ZZ'];
    for (let i = 0; i < 2000; i++) {
      let q = '';
      const n = r.int(0, 6);
      for (let j = 0; j < n; j++) {
        if (j > 0) q += '&';
        if (r.bool(0.6)) q += r.pick(keys) + (r.bool(0.9) ? '=' : '');
        const len = r.int(0, 8);
        for (let k = 0; k < len; k++) q += r.pick(alphabet);
      }
      let res: ReturnType<typeof decode> | undefined;
      expect(() => {
        res = decode(q);
      }).not.toThrow();
      if (!res) throw new Error('unreachable');
      const sent = new Set([...new URLSearchParams(q.startsWith('?') ? q.slice(1) : q).keys()]);
      if (res.ok) {
        expect(ListTokensInput.parse(res.value)).toEqual(res.value);
      } else {
        expect(res.violations.length).toBeGreaterThan(0);
        const uniq = new Set(res.violations.map((v) => `${v.field}\u0000${v.reason}`));
        expect(uniq.size).toBe(res.violations.length);
        for (const v of res.violations) {
          const named = sent.has(v.field) || (v.field === SECONDS && v.reason === 'required' && sent.has(NANOS));
          if (!named) throw new Error(`violation ${JSON.stringify(v)} for ${JSON.stringify(q)} names nothing sent`);
          expect(['invalid', 'required', 'unknown_parameter', 'repeated']).toContain(v.reason);
        }
      }
    }
  });
});

function randomRequest(r: Rng): ListTokensRequest {
  const req: ListTokensRequest = {};
  const page: NonNullable<ListTokensRequest['page_params']> = {};
  if (r.bool()) page.page_size = r.pick([1, 2, 10, 99, 100, r.int(1, 100)]);
  if (r.bool()) page.page_number = r.pick([1, 2, MAX_PAGE_NUMBER, r.int(1, MAX_PAGE_NUMBER)]);
  if (r.bool()) {
    page.first_request_timestamp = {
      seconds: r.pick([MIN_TIMESTAMP_SECONDS, MAX_TIMESTAMP_SECONDS, 0, -1, r.int(MIN_TIMESTAMP_SECONDS, MAX_TIMESTAMP_SECONDS)]),
    };
    if (r.bool()) page.first_request_timestamp.nanos = r.pick([0, 1, MAX_NANOS, r.int(0, MAX_NANOS)]);
  }
  if (r.bool(0.8)) req.page_params = page;
  if (r.bool()) {
    const order: NonNullable<ListTokensRequest['order_params']> = {};
    if (r.bool()) order.order_key = r.pick(ORDER_KEYS);
    if (r.bool()) order.order_direction = r.pick(ORDER_DIRECTIONS);
    req.order_params = order;
  }
  if (r.bool()) req.account_id = randomUuid(r);
  if (r.bool()) req.user_id = r.bool(0.8) ? randomUuid(r) : randomUuid(r).toUpperCase();
  if (r.bool()) req.grant_flow = r.pick(GRANT_FLOWS);
  if (r.bool()) req.role = r.pick(['ENTITY_ADMIN', 'AUDITOR', 'a', 'x'.repeat(64), 'a.b:c-d_e']);
  if (r.bool(0.3)) req.page_token = r.pick(['a', 'x'.repeat(1024), 'AbC-_09']);
  if (r.bool(0.3)) req.status = Array.from({ length: r.int(1, MAX_STATUS_VALUES) }, () => r.pick([...STATUS_FILTERS, ...TOKEN_STATUSES]));
  if (r.bool(0.3)) req.client_id = r.pick(['c1', 'tokenwarden-login', 'x'.repeat(1024), 'a b&c=d%e']);
  if (r.bool(0.3)) req.scope = r.pick(['*', 'iam.oauth.*', 'iam.oauth.tokens.list.get', 'x'.repeat(MAX_SCOPE_FILTER_LENGTH)]);
  for (const f of TIME_FIELDS) {
    if (r.bool(0.15))
      req[f] = r.pick(['2026-01-31T23:00:00Z', '2026-01-31T23:00:00.123456789+01:00', '1700-01-01T00:00:00Z', '2200-12-31T23:59:59.999999Z']);
  }
  if (r.bool(0.2)) req.never_used = r.bool();
  return req;
}

describe('encodeQuery', () => {
  it('writes dotted keys and skips undefined / null', () => {
    expect(
      encodeQuery({
        page_params: { page_size: 5, first_request_timestamp: { seconds: -1, nanos: 2 } },
        role: undefined,
        user_id: null,
        grant_flow: 'GRANT_FLOW_LOGIN',
      }),
    ).toBe(
      'page_params.page_size=5&page_params.first_request_timestamp.seconds=-1&page_params.first_request_timestamp.nanos=2&grant_flow=GRANT_FLOW_LOGIN',
    );
    expect(encodeQuery({})).toBe('');
  });

  it('round-trips the defaults exactly', () => {
    const v = ok('');
    expect(ok(encodeQuery(v))).toEqual(v);
  });

  it('round-trips boundary values exactly', () => {
    const v: ListTokensInput = {
      page_params: {
        page_size: MAX_PAGE_SIZE,
        page_number: MAX_PAGE_NUMBER,
        first_request_timestamp: { seconds: MIN_TIMESTAMP_SECONDS, nanos: MAX_NANOS },
      },
      order_params: { order_key: 'grant_flow', order_direction: 'ORDER_DIRECTION_ENUM_UNSPECIFIED' },
      account_id: UUID,
      user_id: UUID.toUpperCase(),
      grant_flow: 'GRANT_FLOW_ENTITY_SETUP',
      role: 'x'.repeat(64),
    };
    expect(ok(encodeQuery(v))).toEqual(v);
  });

  it('decode(encode(request)) equals the schema parse of the request (1000 random requests)', () => {
    const r = rng(42);
    for (let i = 0; i < 1000; i++) {
      const req = randomRequest(r);
      const expected = ListTokensInput.parse(req);
      const decoded = decodeQuery(ListTokensInput, encodeQuery(req));
      if (!decoded.ok) throw new Error(`${JSON.stringify(req)}: ${JSON.stringify(decoded.violations)}`);
      expect(decoded.value).toEqual(expected);
      // and the decoded value is a fixed point (time bounds decode to µs, which are not RFC 3339 text)
      if (TIME_FIELDS.every((f) => req[f] === undefined)) expect(ok(encodeQuery(decoded.value))).toEqual(decoded.value);
    }
  });

  it('round-trips arbitrary unicode strings through percent-encoding (free-text schema)', () => {
    const Free = z.object({ q: z.string(), n: z.number().int(), nested: z.object({ s: z.string(), m: z.number().int() }) }).strict();
    const r = rng(7);
    const chars = ['a', ' ', '+', '&', '=', '%', '?', '#', '.', 'é', '€', '😀', '\u0000', '\n', '"', '/', '%ZZ', '中'];
    for (let i = 0; i < 500; i++) {
      let q = '';
      let s = '';
      for (let k = r.int(1, 12); k > 0; k--) q += r.pick(chars);
      for (let k = r.int(1, 12); k > 0; k--) s += r.pick(chars);
      const input = { q, n: r.int(-(2 ** 53) + 1, 2 ** 53 - 1), nested: { s, m: r.pick([0, -1, 1]) } };
      const decoded = decodeQuery(Free, encodeQuery(input));
      expect(decoded).toEqual({ ok: true, value: input });
    }
  });
});

describe('violationsFromZod', () => {
  it('names unknown nested keys with their full dotted path', () => {
    const parsed = ListTokensInput.safeParse({ foo: 1, page_params: { bar: 2, page_size: 5 } });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const vs = violationsFromZod(parsed.error);
    expect(vs).toContainEqual({ field: 'foo', reason: 'unknown_parameter' });
    expect(vs).toContainEqual({ field: 'page_params.bar', reason: 'unknown_parameter' });
  });

  it('names out-of-range nested values with their dotted path', () => {
    const parsed = ListTokensInput.safeParse({
      page_params: { page_size: 0, first_request_timestamp: { seconds: 0, nanos: -1 } },
    });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(violationsFromZod(parsed.error)).toEqual([
      { field: PAGE_SIZE, reason: 'invalid' },
      { field: NANOS, reason: 'invalid' },
    ]);
  });
});
