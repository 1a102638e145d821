import { csvHeader, csvRow, type TokenwardenClient } from '@tokenwarden/client';
import type { Timestamp, Token } from '@tokenwarden/contracts';
import { requestOf, type ListState } from './list-query';

export type ExportFormat = 'csv' | 'json';

/** Pages of the largest size: the fewest requests for a whole snapshot. */
const EXPORT_PAGE_SIZE = 100;

export interface ExportResult {
  blob: Blob;
  count: number;
  fileName: string;
}

/**
 * Every token of the state's filters at its snapshot, in the list's order, whatever page
 * is shown: the client's snapshot walk (`tokens.pages`), so a token issued meanwhile is not
 * exported and none twice. CSV is the CLI's format; JSON an array of the list's tokens.
 */
export async function exportTokens(
  client: TokenwardenClient,
  state: ListState,
  snapshot: Timestamp,
  format: ExportFormat,
  onProgress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<ExportResult> {
  // Every page from the first, whatever page (or page token) the state shows.
  const { page_token: _token, ...request } = requestOf(state);
  const input = { ...request, page_params: { page_size: EXPORT_PAGE_SIZE, page_number: 1, first_request_timestamp: snapshot } };
  const parts: string[] = format === 'csv' ? [csvHeader()] : [];
  const tokens: Token[] = [];
  let count = 0;
  let snapshotText = '';
  for await (const page of client.tokens.pages(input, signal ? { signal } : {})) {
    snapshotText = page.pagination_info.first_request_timestamp;
    if (format === 'csv') for (const t of page.tokens) parts.push(csvRow(t));
    else tokens.push(...page.tokens);
    count += page.tokens.length;
    onProgress(count, page.pagination_info.total_elements);
  }
  const body = format === 'csv' ? parts : [`${JSON.stringify(tokens, null, 2)}\n`];
  const type = format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json';
  // A file name without ':' (not allowed on every file system).
  const stamp = snapshotText.replace(/[:.]/g, '-');
  return { blob: new Blob(body, { type }), count, fileName: `tokens-${stamp}.${format}` };
}
