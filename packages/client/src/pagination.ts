import type { ListTokensRequest, ListTokensResponse, Token } from '@tokenwarden/contracts';

export type ListPage = (input: ListTokensRequest) => Promise<ListTokensResponse>;

/**
 * Walks the pages of one snapshot: the first request is the input as given (its
 * `page_number`, 1 by default, and its snapshot if it has one); each next one sends the
 * previous answer's `next_page_token` with the same other parameters, until an answer has
 * none. The token holds the snapshot and where the walk stands, so pages neither repeat nor
 * skip a token while new tokens are issued, and each next page is a seek on the server.
 */
export async function* walkPages(list: ListPage, input: ListTokensRequest = {}): AsyncGenerator<ListTokensResponse, void, undefined> {
  let page = await list(input);
  // The parameters every next page repeats: all but the page number (the token says it).
  const { page_number: _first, ...pageParams } = input.page_params ?? {};
  for (;;) {
    yield page;
    const token = page.pagination_info.next_page_token;
    if (token === null) return;
    page = await list({ ...input, page_params: pageParams, page_token: token });
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
