import { Token } from '@tokenwarden/contracts';

/**
 * Tokens as CSV, one format for every exporter (the CLI's `--format csv`, the console's
 * export): RFC 4180, a header row, every field of the token in the contract's order,
 * lists space-separated, null as an empty field.
 */
export const CSV_COLUMNS = Object.keys(Token.shape) as (keyof Token)[];

/** A token field as plain text: lists space-separated, null and undefined empty. */
export function fieldText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(' ');
  return String(value);
}

/**
 * One RFC 4180 field: quoted when it holds a comma, quote or line break. A field that a
 * spreadsheet would run as a formula (leading = + - @ tab CR) is prefixed with `'`
 * (OWASP CSV injection advice); no value the API writes today starts so except a
 * client_id an operator chose.
 */
export function csvField(value: unknown): string {
  let text = fieldText(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(t: Token): string {
  return `${CSV_COLUMNS.map((c) => csvField(t[c])).join(',')}\r\n`;
}
