import { InstantBound, ListTokensInput } from '@tokenwarden/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FILTERS, filterControls } from '../src/filters';
import { activeFilters, atPage, atSnapshot, filtersOf, listSearch, readListState, requestOf } from '../src/list-query';

describe('the filter controls, read from the contract', () => {
  it('are every key of ListTokensInput but paging (its page token too) and order, each with the control its schema calls for', () => {
    const instant = (key: string) => ({ key, kind: 'instant' });
    expect(FILTERS).toEqual([
      { key: 'account_id', kind: 'text' },
      { key: 'user_id', kind: 'text' },
      {
        key: 'grant_flow',
        kind: 'select',
        options: ['GRANT_FLOW_CLIENT_CREDENTIALS', 'GRANT_FLOW_PASSWORD', 'GRANT_FLOW_ENTITY_SETUP', 'GRANT_FLOW_LOGIN'],
      },
      { key: 'role', kind: 'text' },
      // Either spelling is taken; the control offers each status once, as the contract keeps it.
      { key: 'status', kind: 'multi', options: ['ACTIVE', 'EXPIRED', 'REVOKED'] },
      { key: 'client_id', kind: 'text' },
      { key: 'scope', kind: 'text' },
      instant('created_after'),
      instant('created_before'),
      instant('expires_after'),
      instant('expires_before'),
      instant('last_used_after'),
      instant('last_used_before'),
      { key: 'never_used', kind: 'checkbox' },
    ]);
  });

  it('follow the contract: a filter it gains is a control, with no change here', () => {
    const grown = ListTokensInput.extend({
      colour: z.enum(['RED', 'BLUE']).optional(),
      pinned: z.boolean().optional(),
      label: z.string().optional(),
      tags: z.array(z.enum(['A', 'B'])).optional(),
      seen_after: InstantBound.optional(),
    });
    const controls = filterControls(grown.shape as Record<string, z.ZodType>);
    expect(controls.slice(-5)).toEqual([
      { key: 'colour', kind: 'select', options: ['RED', 'BLUE'] },
      { key: 'pinned', kind: 'checkbox' },
      { key: 'label', kind: 'text' },
      { key: 'tags', kind: 'multi', options: ['A', 'B'] },
      { key: 'seen_after', kind: 'instant' },
    ]);
    expect(controls.map((c) => c.key)).not.toContain('page_token');
  });
});

describe('the list’s state in the address', () => {
  it('is the REST query: read by the contracts’ codec, written without defaults', () => {
    const read = readListState(
      'role=AUDITOR&page_params.page_number=3&page_params.first_request_timestamp.seconds=1700000000&page_params.first_request_timestamp.nanos=5',
    );
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.state.page_params).toEqual({ page_size: 10, page_number: 3, first_request_timestamp: { seconds: 1_700_000_000, nanos: 5 } });
    expect(read.state.order_params).toEqual({ order_key: 'created_at', order_direction: 'DESC' });
    expect(requestOf(read.state)).toEqual({
      role: 'AUDITOR',
      page_params: { page_number: 3, first_request_timestamp: { seconds: 1_700_000_000, nanos: 5 } },
    });
    const again = readListState(listSearch(read.state));
    expect(again).toEqual(read);
    expect(listSearch(atSnapshot(read.state, undefined))).toBe('role=AUDITOR');
    expect(listSearch(atPage(read.state, 1))).toBe(
      'page_params.first_request_timestamp.seconds=1700000000&page_params.first_request_timestamp.nanos=5&role=AUDITOR',
    );
  });

  it('writes the time bounds back as RFC 3339 and the statuses by their short names, so the address reads the same again', () => {
    const read = readListState(
      'created_after=2023-11-14T23:13:20%2B01:00&last_used_before=2023-11-14T22:13:20.123Z&status=TOKEN_STATUS_ACTIVE&status=REVOKED&never_used=false&page_params.first_request_timestamp.seconds=1700000000',
    );
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    // The state holds what the contract reads (µs); the request what a caller writes.
    expect(read.state.created_after).toBe(1_700_000_000_000_000);
    const filters = {
      created_after: '2023-11-14T22:13:20Z',
      last_used_before: '2023-11-14T22:13:20.123Z',
      status: ['ACTIVE', 'REVOKED'],
      never_used: false,
    };
    expect(requestOf(read.state)).toEqual({ page_params: { first_request_timestamp: { seconds: 1_700_000_000, nanos: 0 } }, ...filters });
    expect(activeFilters(read.state)).toEqual(filters);
    expect(readListState(listSearch(read.state))).toEqual(read);
    expect(readListState(listSearch(atPage(read.state, 2)))).toMatchObject({ ok: true, state: { created_after: 1_700_000_000_000_000 } });
  });

  it('keeps a page token as paging: never a filter, dropped for a page number or a new snapshot', () => {
    const read = readListState('role=TELLER&page_token=abc_DEF-123&page_params.first_request_timestamp.seconds=1700000000');
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(requestOf(read.state)).toMatchObject({ page_token: 'abc_DEF-123', role: 'TELLER' });
    // A revocation by filter has page tokens of its own: the list's must never reach it.
    expect(activeFilters(read.state)).toEqual({ role: 'TELLER' });
    expect(filtersOf(read.state)).not.toHaveProperty('page_token');
    expect(listSearch(atPage(read.state, 3))).toBe(
      'page_params.page_number=3&page_params.first_request_timestamp.seconds=1700000000&page_params.first_request_timestamp.nanos=0&role=TELLER',
    );
    expect(listSearch(atSnapshot(read.state, undefined))).toBe('role=TELLER');
  });

  it('names what the list would refuse', () => {
    expect(readListState('page_params.page_size=500&user_id=nope&colour=red')).toEqual({
      ok: false,
      fields: ['colour', 'page_params.page_size', 'user_id'],
    });
    expect(readListState('')).toMatchObject({ ok: true });
  });
});
