import { CSV_COLUMNS, fieldText } from '@tokenwarden/client';
import type { Token } from '@tokenwarden/contracts';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** Table columns: fixed widths, so pages streamed one after another line up. */
const TABLE: { title: string; width: number; cell: (t: Token) => string }[] = [
  { title: 'TOKEN_ID', width: 36, cell: (t) => t.token_id },
  { title: 'GRANT_FLOW', width: 18, cell: (t) => t.grant_flow.replace(/^GRANT_FLOW_/, '') },
  { title: 'STATUS', width: 7, cell: (t) => t.status.replace(/^TOKEN_STATUS_/, '') },
  { title: 'USER_ID', width: 36, cell: (t) => t.user_id ?? '-' },
  { title: 'ACCOUNT_ID', width: 36, cell: (t) => t.account_id ?? '-' },
  { title: 'CREATED_AT', width: 27, cell: (t) => t.created_at },
  { title: 'EXPIRES_AT', width: 27, cell: (t) => t.expires_at },
  { title: 'LAST_USED_AT', width: 27, cell: (t) => t.last_used_at ?? '-' },
  { title: 'ROLES', width: 0, cell: (t) => t.roles.join(',') || '-' },
];

function tableLine(cells: string[]): string {
  return `${cells
    .map((c, i) => {
      const width = TABLE[i]?.width ?? 0;
      return width > 0 ? c.padEnd(width) : c;
    })
    .join('  ')
    .trimEnd()}\n`;
}

export function tableHeader(): string {
  return tableLine(TABLE.map((c) => c.title));
}

export function tableRow(t: Token): string {
  return tableLine(TABLE.map((c) => c.cell(t)));
}

/** One token as `field: value` lines (`tokens get` on a terminal). */
export function tokenDetail(t: Token): string {
  const width = Math.max(...CSV_COLUMNS.map((c) => c.length));
  return CSV_COLUMNS.map((c) => `${c.padEnd(width)}  ${fieldText(t[c]) || '-'}\n`).join('');
}
