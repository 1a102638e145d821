import { CSV_COLUMNS, fieldText } from '@tokenwarden/client';
import type { Token, TokenEvent } from '@tokenwarden/contracts';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** `1 token`, `2 tokens`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

export interface Column<T> {
  title: string;
  /** Padded to this many characters; 0 for the last column, never padded. */
  width: number;
  cell: (row: T) => string;
}

/** Text from the server made safe for a terminal: control characters (escape sequences, newlines) become spaces. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

/** A table's header and rows: fixed widths, so pages streamed one after another line up. */
export function tableOf<T>(columns: readonly Column<T>[]): { header: () => string; row: (row: T) => string } {
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => {
        const width = columns[i]?.width ?? 0;
        return width > 0 ? c.padEnd(width) : c;
      })
      .join('  ')
      .trimEnd()}\n`;
  return { header: () => line(columns.map((c) => c.title)), row: (row) => line(columns.map((c) => printable(c.cell(row)))) };
}

const TOKEN_TABLE = tableOf<Token>([
  { title: 'TOKEN_ID', width: 36, cell: (t) => t.token_id },
  { title: 'GRANT_FLOW', width: 18, cell: (t) => t.grant_flow.replace(/^GRANT_FLOW_/, '') },
  { title: 'STATUS', width: 7, cell: (t) => t.status.replace(/^TOKEN_STATUS_/, '') },
  { title: 'USER_ID', width: 36, cell: (t) => t.user_id ?? '-' },
  { title: 'ACCOUNT_ID', width: 36, cell: (t) => t.account_id ?? '-' },
  { title: 'CREATED_AT', width: 27, cell: (t) => t.created_at },
  { title: 'EXPIRES_AT', width: 27, cell: (t) => t.expires_at },
  { title: 'LAST_USED_AT', width: 27, cell: (t) => t.last_used_at ?? '-' },
  { title: 'ROLES', width: 0, cell: (t) => t.roles.join(',') || '-' },
]);

export function tableHeader(): string {
  return TOKEN_TABLE.header();
}

export function tableRow(t: Token): string {
  return TOKEN_TABLE.row(t);
}

/** The audit trail as a table: who did what to how many tokens (the first of them shown), and why. */
export const EVENT_TABLE = tableOf<TokenEvent>([
  { title: 'OCCURRED_AT', width: 27, cell: (e) => e.occurred_at },
  { title: 'TYPE', width: 24, cell: (e) => e.type },
  { title: 'ACTOR_CLIENT_ID', width: 36, cell: (e) => e.actor.client_id ?? '-' },
  { title: 'ACTOR_USER_ID', width: 36, cell: (e) => e.actor.user_id ?? '-' },
  { title: 'TOKENS', width: 6, cell: (e) => String(e.token_count) },
  { title: 'FIRST_TOKEN_ID', width: 36, cell: (e) => e.token_ids[0] ?? '-' },
  { title: 'EVENT_ID', width: 36, cell: (e) => e.event_id },
  { title: 'REASON', width: 0, cell: (e) => e.reason ?? '-' },
]);

/** One token as `field: value` lines (`tokens get` on a terminal). */
export function tokenDetail(t: Token): string {
  const width = Math.max(...CSV_COLUMNS.map((c) => c.length));
  return CSV_COLUMNS.map((c) => `${c.padEnd(width)}  ${fieldText(t[c]) || '-'}\n`).join('');
}
