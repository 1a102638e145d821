import { parseTimestamp, type ListTokensRequest, type ListTokensResponse, type Token } from '@tokenwarden/contracts';

export type ListPage = (input: ListTokensRequest) => Promise<ListTokensResponse>;

/**
 * Walks the pages of one snapshot: the first answer's `first_request_timestamp` is sent
 * back (as seconds and nanos) with every next `page_number` up to `total_pages`, so pages
 * neither repeat nor skip a token while new tokens are issued. Starts at the input's
 * `page_number` (1 by default) and keeps its snapshot if it has one.
 */
export async function* walkPages(list: ListPage, input: ListTokensRequest = {}): AsyncGenerator<ListTokensResponse, void, undefined> {
  const pageParams = input.page_params ?? {};
  let snapshot = pageParams.first_request_timestamp;
  let pageNumber = pageParams.page_number ?? 1;
  for (;;) {
    const page = await list({
      ...input,
      page_params: { ...pageParams, page_number: pageNumber, ...(snapshot ? { first_request_timestamp: snapshot } : {}) },
    });
    snapshot ??= parseTimestamp(page.pagination_info.first_request_timestamp);
    yield page;
    if (pageNumber >= page.pagination_info.total_pages || page.tokens.length === 0) return;
    pageNumber += 1;
  }
}

/** Every token of a snapshot, page after page (see `walkPages`). */
export async function* walkTokens(list: ListPage, input: ListTokensRequest = {}): AsyncGenerator<Token, void, undefined> {
  for await (const page of walkPages(list, input)) yield* page.tokens;
}

/**
 * Follows `next_page_token`: the first request is the input as given (its `page_token`
 * too, to resume a walk); each next one is the same input with the previous answer's
 * token as `page_token`, until an answer has none. The walk of every operation whose
 * pages are sealed tokens bound to the other parameters (the audit trail, a revocation's ids).
 */
export async function* followPageTokens<I extends { page_token?: string }, P>(
  call: (input: I) => Promise<P>,
  input: I,
  nextToken: (page: P) => string | null,
): AsyncGenerator<P, void, undefined> {
  let page = await call(input);
  for (;;) {
    yield page;
    const token = nextToken(page);
    if (token === null) return;
    page = await call({ ...input, page_token: token });
  }
}
