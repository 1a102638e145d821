import { z } from 'zod';
import type { Violation } from './messages.js';
import type { AnyObject } from './operations.js';

/** How a query parameter's text is decoded: a number, a string, `true`/`false`, or strings repeated into a list. */
export type FieldKind = 'integer' | 'string' | 'boolean' | 'list';
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; violations: Violation[] };

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodDefault) s = s.removeDefault() as z.ZodType;
    else return s;
  }
}

/** How `readQuery` takes one parameter: how its value is decoded, and where it goes in the input. */
interface QueryField {
  kind: FieldKind;
  /** The dotted key, split once per schema rather than per parameter read. */
  path: readonly string[];
  /**
   * The `readQuery` call that last took this parameter, which tells a repeat without a Set
   * per call. Sound because a call runs to its end without yielding: calls never interleave.
   */
  lastRead: number;
}

interface SchemaFields {
  kinds: Map<string, FieldKind>;
  fields: Map<string, QueryField>;
}

const fieldsBySchema = new WeakMap<AnyObject, SchemaFields>();

function schemaFields(schema: AnyObject): SchemaFields {
  let cached = fieldsBySchema.get(schema);
  if (!cached) {
    const kinds = walkFields(schema, '');
    const fields = new Map<string, QueryField>();
    for (const [key, kind] of kinds) fields.set(key, { kind, path: key.split('.'), lastRead: 0 });
    cached = { kinds, fields };
    fieldsBySchema.set(schema, cached);
  }
  return cached;
}

/** The dotted query keys a (nested) object schema accepts, with how each value is decoded. */
export function queryFields(schema: AnyObject): Map<string, FieldKind> {
  return schemaFields(schema).kinds;
}

function walkFields(schema: AnyObject, prefix: string): Map<string, FieldKind> {
  const fields = new Map<string, FieldKind>();
  for (const [key, child] of Object.entries(schema.shape)) {
    const inner = unwrap(child as z.ZodType);
    const name = prefix + key;
    if (inner instanceof z.ZodObject) {
      for (const [k, v] of walkFields(inner as AnyObject, `${name}.`)) fields.set(k, v);
    } else {
      fields.set(
        name,
        inner instanceof z.ZodNumber ? 'integer' : inner instanceof z.ZodBoolean ? 'boolean' : inner instanceof z.ZodArray ? 'list' : 'string',
      );
    }
  }
  return fields;
}

/** Maps zod issues to violations named as the caller wrote the field. */
export function violationsFromZod(error: z.ZodError): Violation[] {
  const out: Violation[] = [];
  for (const issue of error.issues) {
    // A list's items are named by the list (`type`, not `type.1`): the parameter as written.
    const base = issue.path
      .filter((p) => typeof p !== 'number')
      .map(String)
      .join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) out.push({ field: base ? `${base}.${k}` : k, reason: 'unknown_parameter' });
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      out.push({ field: base, reason: 'required' });
    } else {
      out.push({ field: base, reason: 'invalid' });
    }
  }
  return dedupe(out);
}

function dedupe(violations: Violation[]): Violation[] {
  // Nothing to repeat: spares the Set on the common path, a query without problems.
  if (violations.length < 2) return violations;
  const seen = new Set<string>();
  return violations.filter((v) => {
    const k = `${v.field}\u0000${v.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const INTEGER = /^-?\d{1,20}$/;

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const last = path.length - 1;
  let node = target;
  for (let i = 0; i < last; i++) {
    const key = path[i] as string;
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[last] as string] = value;
}

function getPath(target: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = target;
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  return node;
}

/** Numbers the calls of `readQuery`, for `QueryField.lastRead`. */
let readQueryCalls = 0;

/**
 * Reads a URL query string with dotted keys (`page_params.page_size=10`) into the nested,
 * not yet validated input of `schema`: integers decoded, and unknown, repeated, empty and
 * malformed parameters reported as violations naming the parameter as written.
 */
export function readQuery(schema: AnyObject, query: string | URLSearchParams): { raw: Record<string, unknown>; violations: Violation[] } {
  const params = typeof query === 'string' ? new URLSearchParams(query.startsWith('?') ? query.slice(1) : query) : query;
  const { fields } = schemaFields(schema);
  const raw: Record<string, unknown> = {};
  const call = ++readQueryCalls;
  const violations: Violation[] = [];
  for (const [key, value] of params) {
    const field = fields.get(key);
    if (!field) {
      violations.push({ field: key, reason: 'unknown_parameter' });
      continue;
    }
    const repeat = field.lastRead === call;
    if (repeat && field.kind !== 'list') {
      violations.push({ field: key, reason: 'repeated' });
      continue;
    }
    field.lastRead = call;
    if (value === '') {
      violations.push({ field: key, reason: 'invalid' });
      continue;
    }
    if (field.kind === 'list') {
      // Repeated (`status=ACTIVE&status=REVOKED`): the values in the order given. An earlier
      // empty value was reported and never stored, so a repeat may find no list yet.
      const list = repeat ? (getPath(raw, field.path) as string[] | undefined) : undefined;
      if (list) list.push(value);
      else setPath(raw, field.path, [value]);
    } else if (field.kind === 'boolean') {
      if (value !== 'true' && value !== 'false') {
        violations.push({ field: key, reason: 'invalid' });
        continue;
      }
      setPath(raw, field.path, value === 'true');
    } else if (field.kind === 'integer') {
      const n = INTEGER.test(value) ? Number(value) : Number.NaN;
      if (!Number.isSafeInteger(n)) {
        violations.push({ field: key, reason: 'invalid' });
        continue;
      }
      setPath(raw, field.path, n);
    } else {
      setPath(raw, field.path, value);
    }
  }
  return { raw, violations: dedupe(violations) };
}

/**
 * Decodes and validates a query string into the input of `schema`; every violation (of
 * the query string and of the schema) names the parameter as written. Never throws.
 */
export function decodeQuery<S extends AnyObject>(schema: S, query: string | URLSearchParams): DecodeResult<z.output<S>> {
  const { raw, violations } = readQuery(schema, query);
  const parsed = schema.safeParse(raw);
  if (parsed.success && violations.length === 0) return { ok: true, value: parsed.data };
  const flagged = new Set(violations.map((v) => v.field));
  const fromSchema = parsed.success ? [] : violationsFromZod(parsed.error).filter((v) => !flagged.has(v.field));
  return { ok: false, violations: dedupe([...violations, ...fromSchema]) };
}

/** Encodes a (nested) input as a dotted query string; the inverse of `decodeQuery` (a list repeats its key). */
export function encodeQuery(input: object): string {
  const params = new URLSearchParams();
  const walk = (value: unknown, prefix: string): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) params.append(prefix, String(item));
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, prefix ? `${prefix}.${k}` : k);
    } else {
      params.append(prefix, String(value));
    }
  };
  walk(input, '');
  return params.toString();
}
