import {
  DEFAULT_PAGE_SIZE,
  decodeQuery,
  encodeQuery,
  formatMicros,
  ListTokensInput,
  type ListTokensRequest,
  TIME_FILTERS,
  type Timestamp,
  type TokenFilterRequest,
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
  const { page_params: p, order_params: o, page_token } = state;
  const page_params: NonNullable<ListTokensRequest['page_params']> = {};
  if (p.page_size !== DEFAULT_PAGE_SIZE) page_params.page_size = p.page_size;
  if (p.page_number !== undefined && p.page_number !== 1) page_params.page_number = p.page_number;
  if (p.first_request_timestamp) page_params.first_request_timestamp = p.first_request_timestamp;
  const order_params: NonNullable<ListTokensRequest['order_params']> = {};
  if (o.order_key !== 'created_at') order_params.order_key = o.order_key;
  if (o.order_direction !== 'DESC') order_params.order_direction = o.order_direction;
  const request: ListTokensRequest = {};
  if (Object.keys(page_params).length > 0) request.page_params = page_params;
  if (Object.keys(order_params).length > 0) request.order_params = order_params;
  if (page_token !== undefined) request.page_token = page_token;
  Object.assign(request, setFilters(filtersOf(state)));
  return request;
}

export function listSearch(state: ListState): string {
  return encodeQuery(requestOf(state));
}

/** The same state at another snapshot (a new one when `undefined`), from its first page. */
export function atSnapshot(state: ListState, snapshot: Timestamp | undefined): ListState {
  const { first_request_timestamp: _, ...page } = state.page_params;
  const { page_token: _token, ...rest } = state;
  return { ...rest, page_params: { ...page, page_number: 1, ...(snapshot ? { first_request_timestamp: snapshot } : {}) } };
}

/** A page of the same walk by its number (a page token in the address leads to one page only, so it goes). */
export function atPage(state: ListState, page: number): ListState {
  const { page_token: _token, ...rest } = state;
  return { ...rest, page_params: { ...state.page_params, page_number: page } };
}

/** The filters of a state that are set, as a caller writes them (what a revocation by filter sends). */
export function activeFilters(state: ListState): TokenFilterRequest {
  // The state's own filters in their written form, less the unset ones: a valid filter request.
  return setFilters(filtersOf(state)) as TokenFilterRequest;
}

/**
 * The filters of a state alone (every key of the list's input but paging and order), as a
 * caller writes them: the state holds the time bounds as the contract reads them (µs),
 * the address and the API take RFC 3339 text.
 */
export function filtersOf(state: ListState): Record<string, unknown> {
  const filters: Record<string, unknown> = { ...state };
  for (const key of PAGING_KEYS) delete filters[key];
  for (const key of TIME_FILTERS) {
    const micros = state[key];
    if (micros !== undefined) filters[key] = formatMicros(micros);
  }
  return filters;
}

/** The keys of the list's input that are not filters: paging (by number or by the list's page token) and order. */
export const PAGING_KEYS = ['page_params', 'order_params', 'page_token'] as const;

/** The filters that are set (a cleared field, or a list with nothing chosen, is no filter). */
function setFilters(filters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)));
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
