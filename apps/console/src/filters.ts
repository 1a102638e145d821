import { InstantBound, ListTokensInput } from '@tokenwarden/contracts';
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
  | { key: string; kind: 'multi'; options: readonly string[] }
  | { key: string; kind: 'instant' }
  | { key: string; kind: 'text' }
  | { key: string; kind: 'number' }
  | { key: string; kind: 'checkbox' };

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/**
 * The values of an enum, or of an enum that a transform respells (`status` takes `ACTIVE`
 * and `TOKEN_STATUS_ACTIVE` alike): those it keeps as they are, one per value.
 */
function enumValues(schema: z.ZodType): string[] | undefined {
  if (schema instanceof z.ZodEnum) return schema.options as string[];
  if (schema instanceof z.ZodPipe && schema.in instanceof z.ZodEnum) {
    return (schema.in.options as string[]).filter((v) => schema.safeParse(v).data === v);
  }
  return undefined;
}

export function filterControls(shape: Record<string, z.ZodType>): FilterControl[] {
  const controls: FilterControl[] = [];
  for (const [key, field] of Object.entries(shape)) {
    if ((PAGING_KEYS as readonly string[]).includes(key)) continue;
    const inner = unwrap(field);
    // By the schema's kind (a UUID is a string format, not a ZodString).
    const type = inner.def.type;
    const values = enumValues(inner);
    const itemValues = inner instanceof z.ZodArray ? enumValues(unwrap(inner.element as z.ZodType)) : undefined;
    if (values) controls.push({ key, kind: 'select', options: values });
    else if (itemValues) controls.push({ key, kind: 'multi', options: itemValues });
    else if (inner === InstantBound) controls.push({ key, kind: 'instant' });
    else if (type === 'boolean') controls.push({ key, kind: 'checkbox' });
    else if (type === 'number') controls.push({ key, kind: 'number' });
    else if (type === 'string') controls.push({ key, kind: 'text' });
    // Other shapes need a control of their own: none yet.
  }
  return controls;
}

export const FILTERS: readonly FilterControl[] = filterControls(ListTokensInput.shape as Record<string, z.ZodType>);
