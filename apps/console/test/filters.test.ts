import { ListTokensInput, TokenStatus } from '@tokenwarden/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FILTERS, filterControls } from '../src/filters';
import { atPage, atSnapshot, listSearch, readListState, requestOf } from '../src/list-query';

describe('the filter controls, read from the contract', () => {
  it('are every key of ListTokensInput but paging and order, each with the control its schema calls for', () => {
    expect(FILTERS).toEqual([
      { key: 'account_id', kind: 'text' },
      { key: 'user_id', kind: 'text' },
      {
        key: 'grant_flow',
        kind: 'select',
        options: ['GRANT_FLOW_CLIENT_CREDENTIALS', 'GRANT_FLOW_PASSWORD', 'GRANT_FLOW_ENTITY_SETUP', 'GRANT_FLOW_LOGIN'],
      },
      { key: 'role', kind: 'text' },
    ]);
  });

  it('follow the contract: a filter it gains is a control, with no change here', () => {
    const grown = ListTokensInput.extend({ status: TokenStatus.optional(), never_used: z.boolean().optional(), client_id: z.string().optional() });
    const controls = filterControls(grown.shape as Record<string, z.ZodType>);
    expect(controls.map((c) => c.key)).toEqual(['account_id', 'user_id', 'grant_flow', 'role', 'status', 'never_used', 'client_id']);
    expect(controls.find((c) => c.key === 'status')).toEqual({ key: 'status', kind: 'select', options: [...TokenStatus.options] });
    expect(controls.find((c) => c.key === 'never_used')?.kind).toBe('checkbox');
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

  it('names what the list would refuse', () => {
    expect(readListState('page_params.page_size=500&user_id=nope&colour=red')).toEqual({
      ok: false,
      fields: ['colour', 'page_params.page_size', 'user_id'],
    });
    expect(readListState('')).toMatchObject({ ok: true });
  });
});
