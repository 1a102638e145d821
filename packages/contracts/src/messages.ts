import { GRANT_FLOWS, ORDER_DIRECTIONS, ORDER_KEYS } from './enums.js';
import { EVENT_TYPES, MAX_EVENT_PAGE_SIZE } from './events.js';
import { MAX_LEAKED_TOKENS } from './revocation.js';
import { MAX_REASON_LENGTH } from './token.js';
import { GRANT_TYPES, MAX_SECRET_LENGTH } from './issue.js';
import { MAX_PAGE_NUMBER, MAX_PAGE_SIZE, MAX_SCOPE_FILTER_LENGTH, MAX_STATUS_VALUES, STATUS_FILTERS } from './list.js';
import { MAX_NANOS, MAX_TIMESTAMP_SECONDS, MIN_TIMESTAMP_SECONDS } from './timestamp.js';

export const LANGUAGES = ['en', 'es'] as const;
export type Lang = (typeof LANGUAGES)[number];

/** Picks the best supported language from an Accept-Language header (q-values honoured); `en` by default. */
export function pickLanguage(header: string | null | undefined): Lang {
  if (!header) return 'en';
  let best: { lang: Lang; q: number } | undefined;
  for (const part of header.split(',')) {
    const [tag = '', ...params] = part.trim().split(';');
    const base = tag.trim().toLowerCase().split('-')[0];
    const qParam = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0 || q > 1) continue;
    const lang = (LANGUAGES as readonly string[]).includes(base ?? '') ? (base as Lang) : undefined;
    if (lang && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'en';
}

type Localized = Record<Lang, string>;

const intRange = (min: number, max: number): Localized => ({
  en: `must be an integer between ${min} and ${max}`,
  es: `debe ser un número entero entre ${min} y ${max}`,
});
const oneOf = (values: readonly string[]): Localized => ({
  en: `must be one of ${values.join(', ')}`,
  es: `debe ser uno de ${values.join(', ')}`,
});
const uuid: Localized = { en: 'must be a UUID', es: 'debe ser un UUID' };
const timestampSeconds: Localized = {
  en: `must be an integer between ${MIN_TIMESTAMP_SECONDS} and ${MAX_TIMESTAMP_SECONDS} (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)`,
  es: `debe ser un número entero entre ${MIN_TIMESTAMP_SECONDS} y ${MAX_TIMESTAMP_SECONDS} (0001-01-01T00:00:00Z a 9999-12-31T23:59:59Z)`,
};
const text: Localized = { en: 'must be a non-empty string', es: 'debe ser un texto no vacío' };
const reason: Localized = {
  en: `must be 1 to ${MAX_REASON_LENGTH} characters (not only spaces)`,
  es: `debe tener de 1 a ${MAX_REASON_LENGTH} caracteres (no solo espacios)`,
};
const instant: Localized = {
  en: 'must be an RFC 3339 instant, e.g. 2026-01-31T23:00:00Z or 2026-01-31T23:00:00+01:00',
  es: 'debe ser un instante RFC 3339, p. ej. 2026-01-31T23:00:00Z o 2026-01-31T23:00:00+01:00',
};

/** What each parameter accepts, as told to a caller who got it wrong. */
const FIELD_RULES: Record<string, Localized> = {
  'page_params.page_size': intRange(1, MAX_PAGE_SIZE),
  'page_params.page_number': intRange(1, MAX_PAGE_NUMBER),
  'page_params.first_request_timestamp.seconds': timestampSeconds,
  'page_params.first_request_timestamp.nanos': intRange(0, MAX_NANOS),
  'first_request_timestamp.seconds': timestampSeconds,
  'first_request_timestamp.nanos': intRange(0, MAX_NANOS),
  'order_params.order_key': oneOf(ORDER_KEYS),
  'order_params.order_direction': oneOf(ORDER_DIRECTIONS),
  account_id: uuid,
  user_id: uuid,
  token_id: uuid,
  'body.token_id': uuid,
  'body.reason': reason,
  grant_flow: oneOf(GRANT_FLOWS),
  grant_type: oneOf(GRANT_TYPES),
  role: {
    en: 'must be 1 to 64 characters: letters, digits, and _ . : -',
    es: 'debe tener de 1 a 64 caracteres: letras, dígitos y _ . : -',
  },
  // Issuance and the list's filter take a client_id alike.
  client_id: { en: `must be 1 to ${MAX_SECRET_LENGTH} characters`, es: `debe tener de 1 a ${MAX_SECRET_LENGTH} caracteres` },
  client_secret: text,
  username: text,
  password: text,
  // Issuance takes a space-separated list of scopes, the list's filter one scope.
  scope: {
    en: `must be scopes of dotted segments (letters, digits, _ : -; * only as a whole last segment): one, of at most ${MAX_SCOPE_FILTER_LENGTH} characters, to filter the list; space-separated to narrow an issued token`,
    es: `debe ser scopes de segmentos separados por puntos (letras, dígitos, _ : -; * solo como último segmento entero): uno, de ${MAX_SCOPE_FILTER_LENGTH} caracteres como mucho, para filtrar la lista; separados por espacios para restringir un token emitido`,
  },
  status: {
    en: `must be one of ${STATUS_FILTERS.join(', ')} (or TOKEN_STATUS_…), repeated at most ${MAX_STATUS_VALUES} times`,
    es: `debe ser uno de ${STATUS_FILTERS.join(', ')} (o TOKEN_STATUS_…), repetido ${MAX_STATUS_VALUES} veces como mucho`,
  },
  created_after: instant,
  created_before: instant,
  expires_after: instant,
  expires_before: instant,
  last_used_after: instant,
  last_used_before: instant,
  never_used: { en: 'must be true or false', es: 'debe ser true o false' },
  page_size: intRange(1, MAX_EVENT_PAGE_SIZE),
  tokens: {
    en: `must be a list of 1 to ${MAX_LEAKED_TOKENS} strings of 1 to 256 characters`,
    es: `debe ser una lista de 1 a ${MAX_LEAKED_TOKENS} textos de 1 a 256 caracteres`,
  },
  reason,
  idempotency_key: {
    en: 'must be 1 to 128 characters: letters, digits, and . _ : -',
    es: 'debe tener de 1 a 128 caracteres: letras, dígitos y . _ : -',
  },
  dry_run: { en: 'must be true or false', es: 'debe ser true o false' },
  page_token: {
    en: 'must be the next_page_token of the previous page, sent with the same other parameters',
    es: 'debe ser el next_page_token de la página anterior, enviado con los mismos demás parámetros',
  },
  actor_token_id: uuid,
  actor_user_id: uuid,
  actor_client_id: { en: 'must be 1 to 256 characters', es: 'debe tener de 1 a 256 caracteres' },
  type: oneOf(EVENT_TYPES),
  occurred_after: instant,
  occurred_before: instant,
  token: text,
  token_type_hint: { en: 'must be a string, such as access_token', es: 'debe ser un texto, como access_token' },
  authorization: {
    en: 'must be Basic followed by the base64 of client_id:client_secret (each form-urlencoded)',
    es: 'debe ser Basic seguido del base64 de client_id:client_secret (cada uno codificado como formulario)',
  },
};

export type ViolationReason =
  | 'invalid'
  | 'required'
  | 'unknown_parameter'
  | 'repeated'
  | 'scope_not_held'
  | 'account_not_allowed'
  | 'mismatch'
  | 'conflict'
  | 'reused'
  | 'malformed_body'
  | 'with_page_token';

/** One thing wrong with one field of a request; localized only when it is answered. */
export interface Violation {
  field: string;
  reason: ViolationReason;
  /** The offending value where echoing it helps (a scope name); never a secret. */
  value?: string;
}

const REASONS: Record<ViolationReason, Record<Lang, (rule: string, value: string) => string>> = {
  invalid: { en: (rule) => rule, es: (rule) => rule },
  required: { en: () => 'is required', es: () => 'es obligatorio' },
  unknown_parameter: { en: () => 'is not a known parameter', es: () => 'no es un parámetro conocido' },
  repeated: { en: () => 'must not be repeated', es: () => 'no debe repetirse' },
  scope_not_held: {
    en: (_r, v) => `asks for scope ${v}, which the credentials do not hold`,
    es: (_r, v) => `pide el scope ${v}, que las credenciales no tienen`,
  },
  account_not_allowed: {
    en: () => 'is not an account these credentials may act for',
    es: () => 'no es una cuenta en cuyo nombre puedan actuar estas credenciales',
  },
  mismatch: {
    en: () => 'in the body must equal the token_id in the path',
    es: () => 'del cuerpo debe ser igual al token_id de la ruta',
  },
  conflict: {
    en: () => 'differs between the Authorization header and the body',
    es: () => 'difiere entre la cabecera Authorization y el cuerpo',
  },
  reused: {
    en: () => 'was used for another request',
    es: () => 'se usó para otra petición',
  },
  malformed_body: {
    en: () => 'must be a JSON object or a form-encoded body',
    es: () => 'debe ser un objeto JSON o un cuerpo codificado como formulario',
  },
  with_page_token: {
    en: () => 'must not be sent with page_token, which tells the page it leads to',
    es: () => 'no debe enviarse con page_token, que indica la página a la que lleva',
  },
};

export function describeViolation(v: Violation, lang: Lang): string {
  const rule = FIELD_RULES[v.field]?.[lang] ?? (lang === 'es' ? 'no es válido' : 'is invalid');
  return REASONS[v.reason][lang](rule, v.value ?? '');
}

/** Messages of errors that are not about one field. */
const MESSAGES = {
  'auth.missing': {
    en: 'a bearer token is required in the Authorization header',
    es: 'se requiere un token bearer en la cabecera Authorization',
  },
  'auth.invalid': {
    en: 'the bearer token is malformed, unknown, expired or revoked',
    es: 'el token bearer está mal formado, es desconocido, ha caducado o fue revocado',
  },
  'auth.scope': {
    en: 'the bearer token does not carry the scope {scope}',
    es: 'el token bearer no tiene el scope {scope}',
  },
  'auth.client': {
    en: 'the client credentials are not valid',
    es: 'las credenciales del cliente no son válidas',
  },
  'auth.user': {
    en: 'the username or password is not valid',
    es: 'el usuario o la contraseña no son válidos',
  },
  'forbidden.other_user': {
    en: "this token may list only its own user's tokens",
    es: 'este token solo puede listar los tokens de su propio usuario',
  },
  'forbidden.token': {
    en: 'this token may not act on that token',
    es: 'este token no puede actuar sobre ese token',
  },
  'not_found.token': { en: 'token not found', es: 'token no encontrado' },
  'not_found.route': { en: 'no such route', es: 'no existe esa ruta' },
  'not_found.console': {
    en: 'the web console is not built on this server (run `pnpm build`, or `npm start`, which builds it)',
    es: 'la consola web no está compilada en este servidor (ejecute `pnpm build`, o `npm start`, que la compila)',
  },
  'revoked.already': { en: 'the token is already revoked', es: 'el token ya está revocado' },
  'idempotency.reused': {
    en: 'this idempotency_key was used for another request; use a new key for a new revocation',
    es: 'este idempotency_key se usó para otra petición; use una clave nueva para una revocación nueva',
  },
  'snapshot.purged': {
    en: 'tokens were purged after this snapshot was taken (or are being purged now); start a new listing without first_request_timestamp',
    es: 'se purgaron tokens después de tomar esta instantánea (o se están purgando); empiece un listado nuevo sin first_request_timestamp',
  },
  'method.not_allowed': { en: 'method not allowed on this route', es: 'método no permitido en esta ruta' },
  'body.too_large': { en: 'the request body is too large', es: 'el cuerpo de la petición es demasiado grande' },
  'server.unavailable': { en: 'the server is shutting down', es: 'el servidor se está apagando' },
  'auth.throttled': {
    en: 'too many failed sign-in attempts; retry in {retry_after} s',
    es: 'demasiados intentos fallidos de inicio de sesión; reintente en {retry_after} s',
  },
  'database.unavailable': {
    en: 'the database is unavailable; retry shortly',
    es: 'la base de datos no está disponible; reintente en breve',
  },
  internal: {
    en: 'internal error; retry, or contact support if it persists',
    es: 'error interno; reintente o contacte con soporte si persiste',
  },
} satisfies Record<string, Localized>;
export type MessageKey = keyof typeof MESSAGES;

export function translate(lang: Lang, key: MessageKey, params: Record<string, string> = {}): string {
  return MESSAGES[key][lang].replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
}
