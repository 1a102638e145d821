import { describe, expect, it } from 'vitest';
import {
  decodeQuery,
  describeViolation,
  LANGUAGES,
  ListTokensInput,
  MAX_PAGE_NUMBER,
  MAX_TIMESTAMP_SECONDS,
  MIN_TIMESTAMP_SECONDS,
  pickLanguage,
  queryFields,
  translate,
  type MessageKey,
  type Violation,
  type ViolationReason,
} from '../src/index.js';

describe('pickLanguage', () => {
  const cases: [string | null | undefined, 'en' | 'es'][] = [
    [undefined, 'en'],
    [null, 'en'],
    ['', 'en'],
    ['en', 'en'],
    ['es', 'es'],
    ['ES', 'es'],
    ['es-MX', 'es'],
    ['es-419', 'es'],
    ['en-GB', 'en'],
    ['fr', 'en'],
    ['fr-CA, de;q=0.9', 'en'],
    ['fr, es;q=0.5', 'es'],
    ['*', 'en'],
    ['en;q=0.5, es;q=0.8', 'es'],
    ['es;q=0.5, en;q=0.8', 'en'],
    ['es;q=0.8,en;q=0.5', 'es'],
    ['en;q=0.1, es', 'es'],
    ['es;q=0, en;q=0.1', 'en'],
    ['es;q=0', 'en'],
    ['es;q=0.001', 'es'],
    ['es;q=abc', 'en'],
    ['es;q=abc, en;q=0.2', 'en'],
    ['  es-MX ; q=0.9 ,  en ; q=0.3 ', 'es'],
    ['es, en', 'es'],
    ['en, es', 'en'],
    ['de-DE,de;q=0.9,es-ES;q=0.8,en;q=0.7', 'es'],
    [',,,;;;===', 'en'],
    ['q=1', 'en'],
    [';q=1', 'en'],
    ['\u0000\u00ff😀', 'en'],
    ['x'.repeat(10_000), 'en'],
    ['esperanto', 'en'],
    ['english', 'en'],
    ['e', 'en'],
  ];
  it.each(cases)('%j -> %s', (header, lang) => {
    expect(pickLanguage(header)).toBe(lang);
  });

  it('only ever answers a supported language', () => {
    for (const h of ['zz', 'es;q=NaN', 'es;q=Infinity', 'es;q=-1', 'en;q=1e-400', '%E2%82%AC']) {
      expect(LANGUAGES).toContain(pickLanguage(h));
    }
    expect(pickLanguage('es;q=-1')).toBe('en');
    expect(pickLanguage('es;q=Infinity')).toBe('en');
  });
});

const REASONS: ViolationReason[] = [
  'invalid',
  'required',
  'unknown_parameter',
  'repeated',
  'scope_not_held',
  'account_not_allowed',
  'mismatch',
  'malformed_body',
  'with_page_token',
];

describe('describeViolation', () => {
  const fields = [...queryFields(ListTokensInput).keys(), 'token_id', 'grant_type', 'client_id', 'scope', 'some_unknown'];

  it.each(REASONS)('reason %s: en and es are non-empty and different for every field', (reason) => {
    for (const field of fields) {
      const v: Violation = { field, reason, value: 'iam.oauth.tokens.get' };
      const en = describeViolation(v, 'en');
      const es = describeViolation(v, 'es');
      expect(en.trim().length).toBeGreaterThan(0);
      expect(es.trim().length).toBeGreaterThan(0);
      expect(en).not.toBe(es);
    }
  });

  it('explains the rule of every list parameter specifically (not a generic "is invalid")', () => {
    for (const field of queryFields(ListTokensInput).keys()) {
      expect(describeViolation({ field, reason: 'invalid' }, 'en')).not.toBe('is invalid');
      expect(describeViolation({ field, reason: 'invalid' }, 'es')).not.toBe('no es válido');
    }
    expect(describeViolation({ field: 'nope', reason: 'invalid' }, 'en')).toBe('is invalid');
    expect(describeViolation({ field: 'nope', reason: 'invalid' }, 'es')).toBe('no es válido');
  });

  it('states the actual limits', () => {
    const d = (field: string) => describeViolation({ field, reason: 'invalid' }, 'en');
    expect(d('page_params.page_size')).toBe('must be an integer between 1 and 100');
    expect(d('page_params.page_number')).toContain(String(MAX_PAGE_NUMBER));
    expect(d('page_params.first_request_timestamp.seconds')).toContain(String(MIN_TIMESTAMP_SECONDS));
    expect(d('page_params.first_request_timestamp.seconds')).toContain(String(MAX_TIMESTAMP_SECONDS));
    expect(d('page_params.first_request_timestamp.nanos')).toContain('999999999');
    for (const k of ['created_at', 'expires_at', 'last_used_at', 'token_id', 'user_id', 'account_id', 'grant_flow']) {
      expect(d('order_params.order_key')).toContain(k);
    }
    expect(d('order_params.order_direction')).toContain('ORDER_DIRECTION_ENUM_UNSPECIFIED');
    expect(d('grant_flow')).toContain('GRANT_FLOW_CLIENT_CREDENTIALS');
    expect(d('user_id')).toContain('UUID');
    expect(d('status')).toContain('ACTIVE, EXPIRED, REVOKED');
    expect(d('client_id')).toContain('1024');
    expect(d('scope')).toContain('256');
    for (const f of ['created_after', 'created_before', 'expires_after', 'expires_before', 'last_used_after', 'last_used_before']) {
      expect(d(f)).toContain('RFC 3339');
    }
    expect(d('never_used')).toBe('must be true or false');
    expect(describeViolation({ field: 'page_params.page_number', reason: 'with_page_token' }, 'en')).toContain('page_token');
    expect(describeViolation({ field: 'page_params.page_size', reason: 'invalid' }, 'es')).toBe('debe ser un número entero entre 1 y 100');
  });

  it('echoes the scope for scope_not_held, and no value for other reasons', () => {
    const v: Violation = { field: 'scope', reason: 'scope_not_held', value: 'iam.mfa.enroll' };
    expect(describeViolation(v, 'en')).toContain('iam.mfa.enroll');
    expect(describeViolation(v, 'es')).toContain('iam.mfa.enroll');
    expect(describeViolation({ field: 'password', reason: 'required', value: 'hunter2' }, 'en')).not.toContain('hunter2');
    expect(describeViolation({ field: 'client_secret', reason: 'invalid', value: 'hunter2' }, 'es')).not.toContain('hunter2');
  });

  it('describes every violation decodeQuery can produce, in both languages', () => {
    const r = decodeQuery(ListTokensInput, 'page_params.page_size=0&page_params.first_request_timestamp.nanos=1&foo=1&role=a&role=b');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.violations.length).toBe(4);
    for (const v of r.violations) {
      for (const lang of LANGUAGES) expect(describeViolation(v, lang).length).toBeGreaterThan(3);
      expect(describeViolation(v, 'en')).not.toBe(describeViolation(v, 'es'));
    }
  });
});

describe('translate', () => {
  const KEYS: MessageKey[] = [
    'auth.missing',
    'auth.invalid',
    'auth.scope',
    'auth.client',
    'auth.user',
    'forbidden.other_user',
    'forbidden.token',
    'not_found.token',
    'not_found.route',
    'revoked.already',
    'method.not_allowed',
    'body.too_large',
    'server.unavailable',
    'database.unavailable',
    'auth.throttled',
    'internal',
  ];
  it.each(KEYS)('%s is non-empty and localized', (key) => {
    const en = translate('en', key, { scope: 'iam.oauth.tokens.get' });
    const es = translate('es', key, { scope: 'iam.oauth.tokens.get' });
    expect(en.length).toBeGreaterThan(0);
    expect(es.length).toBeGreaterThan(0);
    expect(en).not.toBe(es);
    expect(en).not.toMatch(/\{\w+\}/);
    expect(es).not.toMatch(/\{\w+\}/);
  });

  it('substitutes parameters and blanks missing ones', () => {
    expect(translate('en', 'auth.scope', { scope: 'iam.oauth.tokens.list.get' })).toBe(
      'the bearer token does not carry the scope iam.oauth.tokens.list.get',
    );
    expect(translate('es', 'auth.scope', { scope: 'x.y' })).toBe('el token bearer no tiene el scope x.y');
    expect(translate('en', 'auth.scope')).toBe('the bearer token does not carry the scope ');
  });
});

describe('pickLanguage q-values', () => {
  it('reads Q= in any case and ignores out-of-range weights', () => {
    expect(pickLanguage('es;Q=0.1, en;q=0.5')).toBe('en');
    expect(pickLanguage('es;q=1.5, en;q=0.5')).toBe('en');
  });
});
