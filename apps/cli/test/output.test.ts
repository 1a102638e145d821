import { describe, expect, it } from 'vitest';
import type { Token } from '@tokenwarden/contracts';
import { csvField, csvHeader, csvRow } from '@tokenwarden/client';
import { tableHeader, tableRow } from '../src/output.js';
import { parseCsv } from './support/server.js';

const token: Token = {
  token_id: '249a0a2e-028a-4e15-a841-de9fd4e4cd84',
  client_id: 'acme, "west"',
  account_id: null,
  user_id: null,
  grant_flow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
  roles: ['ENTITY_ADMIN', 'AUDITOR'],
  scopes: ['iam.oauth.*', '*'],
  created_at: '2026-03-29T02:12:15.123456Z',
  expires_at: '2026-03-29T03:12:15.123456Z',
  expires_in: 0,
  revoked_at: null,
  revoked_by: null,
  revoke_reason: null,
  status: 'TOKEN_STATUS_EXPIRED',
  last_used_at: null,
  last_used_ip: null,
  last_used_user_agent: null,
};

describe('CSV', () => {
  it('quotes what RFC 4180 requires and reads back to the same cells', () => {
    const rows = parseCsv(csvHeader() + csvRow(token));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual([
      token.token_id,
      'acme, "west"',
      '',
      '',
      'GRANT_FLOW_CLIENT_CREDENTIALS',
      'ENTITY_ADMIN AUDITOR',
      'iam.oauth.* *',
      token.created_at,
      token.expires_at,
      '0',
      '',
      '',
      '',
      'TOKEN_STATUS_EXPIRED',
      '',
      '',
      '',
    ]);
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
  });

  it('defuses values a spreadsheet would run as formulas', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@sum')).toBe("'@sum");
    expect(csvField('plain-client')).toBe('plain-client');
  });
});

describe('table', () => {
  it('lines up columns of fixed width, nulls as "-"', () => {
    const header = tableHeader();
    const row = tableRow(token);
    expect(row.indexOf('CLIENT_CREDENTIALS')).toBe(header.indexOf('GRANT_FLOW'));
    expect(row.indexOf('EXPIRED')).toBe(header.indexOf('STATUS'));
    expect(row.indexOf(token.created_at)).toBe(header.indexOf('CREATED_AT'));
    expect(row.trimEnd().endsWith('ENTITY_ADMIN,AUDITOR')).toBe(true);
    expect(row.slice(header.indexOf('USER_ID')).startsWith('- ')).toBe(true);
  });
});
