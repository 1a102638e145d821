import type { ParseArgsConfig } from 'node:util';
import { TokenFilterFields } from '@tokenwarden/contracts';
import { z } from 'zod';
import { enumFlag, listFlag } from './flags.js';
import type { FlagForField } from './report.js';

/** What a filter's JSON Schema says of the value a caller writes. */
interface Property {
  type?: string;
  format?: string;
  enum?: string[];
  items?: Property;
}

/** One filter of the token list as a flag: the parameter `user_id` is `--user-id`. */
export interface FilterFlag {
  field: string;
  flag: string;
  /** `boolean`: the flag alone sends true; `list`: repeatable and comma-separated; `value`: one value. */
  kind: 'boolean' | 'list' | 'value';
  /** The values an enum takes (typed short: `password` for GRANT_FLOW_PASSWORD). */
  values: readonly string[] | undefined;
  format: string | undefined;
}

const properties = (z.toJSONSchema(TokenFilterFields, { io: 'input' }) as { properties?: Record<string, Property> }).properties ?? {};

/**
 * Every filter the list takes, as flags, derived from the contract (`TokenFilterFields`):
 * a filter added to the list is a flag here with no change. Paging is not a filter.
 */
export const FILTER_FLAGS: readonly FilterFlag[] = Object.entries(properties)
  .filter(([field]) => field !== 'page_token')
  .map(([field, p]) => {
    const kind = p.type === 'boolean' ? 'boolean' : p.type === 'array' ? 'list' : 'value';
    const of = kind === 'list' ? (p.items ?? {}) : p;
    return { field, flag: `--${field.replaceAll('_', '-')}`, kind, values: of.enum, format: of.format };
  });

/** The filter flags for `parseArgs`. */
export const FILTER_OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
  FILTER_FLAGS.map((f) => [
    f.flag.slice(2),
    f.kind === 'boolean'
      ? { type: 'boolean' as const }
      : f.kind === 'list'
        ? { type: 'string' as const, multiple: true }
        : { type: 'string' as const },
  ]),
);

export const FILTER_FLAG_FOR_FIELD: FlagForField = Object.fromEntries(FILTER_FLAGS.map((f) => [f.field, f.flag]));

/** The filters the flags set, as the operation's parameters; values are checked by the server (a 400 names the flag). */
export function filterInput(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const f of FILTER_FLAGS) {
    const v = values[f.flag.slice(2)];
    if (v === undefined) continue;
    const typed = (text: string) => (f.values ? enumFlag(text, f.values) : text);
    if (f.kind === 'boolean') input[f.field] = v === true;
    else if (f.kind === 'list') input[f.field] = listFlag(v as string[])?.map(typed);
    else input[f.field] = typed(v as string);
  }
  return input;
}

/** Words filled into lines of at most `width` columns, each after `indent`. */
function wrap(text: string, indent: number, width = 92): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The filter flags for a help text: each with its values, as `tokens list --help` has them. */
export function filterHelp(): string {
  const column = 25;
  return FILTER_FLAGS.map((f) => {
    const head = `  ${f.flag}${f.kind === 'boolean' ? '' : f.format === 'uuid' ? ' <uuid>' : ' <value>'}`;
    const notes: string[] = [];
    if (f.values)
      notes.push(`${f.values.join(', ')} (or the end of one, e.g. ${(f.values[1] ?? f.values[0] ?? '').split('_').at(-1)?.toLowerCase()})`);
    if (f.kind === 'list') notes.push('(repeat the flag, or separate values with commas)');
    if (notes.length === 0) return head;
    const [first = '', ...rest] = wrap(notes.join(' '), column);
    const pad = ' '.repeat(column);
    return [head.length < column ? `${head.padEnd(column)}${first}` : `${head}\n${pad}${first}`, ...rest.map((l) => `${pad}${l}`)].join('\n');
  }).join('\n');
}
