import {
  DEFAULT_PAGE_SIZE,
  decodeQuery,
  encodeQuery,
  ListTokensInput,
  type ListTokensRequest,
  type Timestamp,
  type TokenFilterInput,
} from '@tokenwarden/contracts';

/**
 * The list's state in the address bar: the REST API's own query parameters
 * (`role=AUDITOR&page_params.page_number=3&page_params.first_request_timestamp.seconds=…`),
 * read and written by the contracts' codec, so the address of a view is also the REST
 * call that answers it. Defaults are left out of the address.
 */
export type ListState = ListTokensInput;

export type ReadResult = { ok: true; state: ListState } | { ok: false; fields: string[] };

export function readListState(search: string): ReadResult {
  const decoded = decodeQuery(ListTokensInput, search);
  if (!decoded.ok) return { ok: false, fields: decoded.violations.map((v) => v.field) };
  return { ok: true, state: decoded.value };
}

/** The request for a state, without its defaults (what goes into the address). */
export function requestOf(state: ListState): ListTokensRequest {
  const { page_params: p, order_params: o, ...filters } = state;
  const page_params: NonNullable<ListTokensRequest['page_params']> = {};
  if (p.page_size !== DEFAULT_PAGE_SIZE) page_params.page_size = p.page_size;
  if (p.page_number !== 1) page_params.page_number = p.page_number;
  if (p.first_request_timestamp) page_params.first_request_timestamp = p.first_request_timestamp;
  const order_params: NonNullable<ListTokensRequest['order_params']> = {};
  if (o.order_key !== 'created_at') order_params.order_key = o.order_key;
  if (o.order_direction !== 'DESC') order_params.order_direction = o.order_direction;
  const request: ListTokensRequest = {};
  if (Object.keys(page_params).length > 0) request.page_params = page_params;
  if (Object.keys(order_params).length > 0) request.order_params = order_params;
  Object.assign(request, setFilters(filters));
  return request;
}

export function listSearch(state: ListState): string {
  return encodeQuery(requestOf(state));
}

/** The same state at another snapshot (a new one when `undefined`), from its first page. */
export function atSnapshot(state: ListState, snapshot: Timestamp | undefined): ListState {
  const { first_request_timestamp: _, ...page } = state.page_params;
  return { ...state, page_params: { ...page, page_number: 1, ...(snapshot ? { first_request_timestamp: snapshot } : {}) } };
}

export function atPage(state: ListState, page: number): ListState {
  return { ...state, page_params: { ...state.page_params, page_number: page } };
}

/** The filters of a state that are set, as the API takes them (what a revocation by filter sends). */
export function activeFilters(state: ListState): TokenFilterInput {
  // The state's own filters, less the unset ones: still a valid filter input.
  return setFilters(filtersOf(state)) as TokenFilterInput;
}

/** The filters of a state alone (every key of the list's input but paging and order). */
export function filtersOf(state: ListState): Record<string, unknown> {
  const { page_params: _p, order_params: _o, ...filters } = state;
  return filters;
}

/** The keys of the list's input that are not filters. */
export const PAGING_KEYS = ['page_params', 'order_params'] as const;

/** The filters that are set (a cleared field is no filter). */
function setFilters(filters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== ''));
}

/** The state with new filters (from the first page; the snapshot and order kept). */
export function withFilters(state: ListState, filters: Record<string, unknown>, order: ListState['order_params'], pageSize: number): ListState {
  const parsed = ListTokensInput.safeParse({
    ...setFilters(filters),
    order_params: order,
    page_params: { ...state.page_params, page_size: pageSize, page_number: 1 },
  });
  return parsed.success ? parsed.data : state;
}

/** The filters the list would refuse, by field (empty when every value is valid). */
export function validateFilters(filters: Record<string, unknown>): string[] {
  const parsed = ListTokensInput.safeParse(setFilters(filters));
  return parsed.success ? [] : [...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.')))];
}
