import {
  DEFAULT_EVENT_PAGE_SIZE,
  decodeQuery,
  encodeQuery,
  formatMicros,
  instantToMicrosCeil,
  ListTokenEventsInput,
  type ListTokenEventsRequest,
  readQuery,
} from '@tokenwarden/contracts';

/**
 * The Activity page's state in the address: the trail's own REST query parameters
 * (`type=TOKEN_REVOKED&type=TOKENS_REVOKED_BY_FILTER&occurred_after=…&page_token=…`), kept
 * as the caller writes them (times as RFC 3339 text), so the address is the REST call.
 */
export type EventsRequest = ListTokenEventsRequest;

export type ReadEvents = { ok: true; request: EventsRequest } | { ok: false; fields: string[] };

export function readEventsRequest(search: string): ReadEvents {
  const decoded = decodeQuery(ListTokenEventsInput, search);
  if (!decoded.ok) return { ok: false, fields: decoded.violations.map((v) => v.field) };
  // Validated; kept in the caller's form (the decoded value has the times as microseconds).
  return { ok: true, request: readQuery(ListTokenEventsInput, search).raw as EventsRequest };
}

/** The address of a request, its default page size left out. */
export function eventsSearch(request: EventsRequest): string {
  const { page_size, ...rest } = request;
  return encodeQuery(page_size === undefined || page_size === DEFAULT_EVENT_PAGE_SIZE ? rest : { ...rest, page_size });
}

/** The same filters from another page (the newest when `undefined`). */
export function atPageToken(request: EventsRequest, pageToken: string | undefined): EventsRequest {
  const { page_token: _, ...rest } = request;
  return pageToken === undefined ? rest : { ...rest, page_token: pageToken };
}

/** The filters a form edits: every parameter but paging, each unset one left out. */
export function eventFilters(request: EventsRequest): EventsRequest {
  const { page_token: _, ...rest } = request;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)));
}

/** The fields the trail would refuse, by name (empty when the request is valid). */
export function invalidEventFields(request: EventsRequest): string[] {
  const parsed = ListTokenEventsInput.safeParse(eventFilters(request));
  return parsed.success ? [] : [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '')))];
}

/**
 * An instant of the address as a `datetime-local` field shows it: UTC to the second, the
 * way the console writes every instant. Empty for text that is no instant.
 */
export function instantFieldValue(text: string | undefined): string {
  if (text === undefined) return '';
  const micros = instantToMicrosCeil(text);
  return micros === undefined ? '' : formatMicros(micros).slice(0, 19);
}

/** A `datetime-local` field's value (read as UTC) as the RFC 3339 instant the trail takes. */
export function instantFromField(value: string): string | undefined {
  if (value === '') return undefined;
  return `${value.length === 16 ? `${value}:00` : value}Z`;
}

/** The query key of a page of the trail (under `events`, which a revocation invalidates). */
export const eventsKey = (request: EventsRequest) => ['events', 'list', request] as const;
