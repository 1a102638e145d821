import { ListTokensInput } from '@tokenwarden/contracts';
import { z } from 'zod';
import { PAGING_KEYS } from './list-query';

/**
 * The list's filter controls, read from the contract: every key of `ListTokensInput` but
 * paging and order is a filter, and its schema says which control it gets (an enum a
 * select of its values, a string a text field). So a filter the contract gains appears in
 * the form by itself; its label is one entry in i18n.tsx (`field.<key>`), else the key.
 */
export type FilterControl =
  | { key: string; kind: 'select'; options: readonly string[] }
  | { key: string; kind: 'text' }
  | { key: string; kind: 'number' }
  | { key: string; kind: 'checkbox' };

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

export function filterControls(shape: Record<string, z.ZodType>): FilterControl[] {
  const controls: FilterControl[] = [];
  for (const [key, field] of Object.entries(shape)) {
    if ((PAGING_KEYS as readonly string[]).includes(key)) continue;
    const inner = unwrap(field);
    // By the schema's kind (a UUID is a string format, not a ZodString).
    const type = inner.def.type;
    if (inner instanceof z.ZodEnum) controls.push({ key, kind: 'select', options: inner.options as string[] });
    else if (type === 'boolean') controls.push({ key, kind: 'checkbox' });
    else if (type === 'number') controls.push({ key, kind: 'number' });
    else if (type === 'string') controls.push({ key, kind: 'text' });
    // Other shapes (a time range as an object) need a control of their own: none yet.
  }
  return controls;
}

export const FILTERS: readonly FilterControl[] = filterControls(ListTokensInput.shape as Record<string, z.ZodType>);
