import { type Lang, LANGUAGES } from '@tokenwarden/contracts';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';

/** Every text of the console, in each language the API answers in. */
const TEXT = {
  'app.title': { en: 'Tokenwarden audit console', es: 'Consola de auditoría de Tokenwarden' },
  'nav.overview': { en: 'Overview', es: 'Resumen' },
  'nav.tokens': { en: 'Tokens', es: 'Tokens' },
  'nav.activity': { en: 'Activity', es: 'Actividad' },
  'nav.main': { en: 'Main', es: 'Principal' },
  'lang.label': { en: 'Language', es: 'Idioma' },
  'signout.button': { en: 'Sign out', es: 'Cerrar sesión' },
  'signin.title': { en: 'Sign in', es: 'Iniciar sesión' },
  'signin.password.legend': { en: 'With your username and password', es: 'Con su usuario y contraseña' },
  'signin.username': { en: 'Username', es: 'Usuario' },
  'signin.password': { en: 'Password', es: 'Contraseña' },
  'signin.submit': { en: 'Sign in', es: 'Entrar' },
  'signin.token.legend': { en: 'Or with an access token', es: 'O con un token de acceso' },
  'signin.token': { en: 'Access token', es: 'Token de acceso' },
  'signin.token.submit': { en: 'Use this token', es: 'Usar este token' },
  'signin.token.help': {
    en: 'The token is kept in this browser tab only (never in the address or a log) and forgotten when you sign out or close the tab.',
    es: 'El token se guarda solo en esta pestaña (nunca en la dirección ni en un registro) y se olvida al cerrar sesión o la pestaña.',
  },
  'signin.expired': {
    en: 'Your session ended: the token expired or was revoked. Sign in again.',
    es: 'Su sesión terminó: el token caducó o fue revocado. Vuelva a iniciar sesión.',
  },
  'signin.working': { en: 'Signing in…', es: 'Iniciando sesión…' },
  'list.title': { en: 'Tokens', es: 'Tokens' },
  'list.filters': { en: 'Filters and order', es: 'Filtros y orden' },
  'list.apply': { en: 'Apply', es: 'Aplicar' },
  'list.clear': { en: 'Clear filters', es: 'Quitar filtros' },
  'list.any': { en: 'Any', es: 'Cualquiera' },
  'list.orderKey': { en: 'Order by', es: 'Ordenar por' },
  'list.orderDirection': { en: 'Direction', es: 'Dirección' },
  'list.pageSize': { en: 'Page size', es: 'Tamaño de página' },
  'list.empty': { en: 'No token matches these filters in this snapshot.', es: 'Ningún token coincide con estos filtros en esta instantánea.' },
  'list.loading': { en: 'Loading tokens…', es: 'Cargando tokens…' },
  'list.total': { en: '{n} tokens', es: '{n} tokens' },
  'list.caption': { en: 'Tokens, page {page} of {pages}', es: 'Tokens, página {page} de {pages}' },
  'snapshot.label': { en: 'Snapshot', es: 'Instantánea' },
  'snapshot.help': {
    en: 'Every page and export shows the tokens as they were at this instant.',
    es: 'Cada página y exportación muestra los tokens tal como estaban en este instante.',
  },
  'snapshot.revokeHelp': {
    en: 'The dry run counts, and the confirmation revokes, the tokens as they were at this instant.',
    es: 'La simulación cuenta, y la confirmación revoca, los tokens tal como estaban en este instante.',
  },
  'snapshot.new': { en: 'Take a new snapshot', es: 'Tomar una instantánea nueva' },
  'pager.label': { en: 'Pages', es: 'Páginas' },
  'pager.first': { en: 'First', es: 'Primera' },
  'pager.prev': { en: 'Previous', es: 'Anterior' },
  'pager.next': { en: 'Next', es: 'Siguiente' },
  'pager.last': { en: 'Last', es: 'Última' },
  'pager.status': { en: 'Page {page} of {pages}', es: 'Página {page} de {pages}' },
  'pager.goto': { en: 'Go to page', es: 'Ir a la página' },
  'pager.go': { en: 'Go', es: 'Ir' },
  'col.token_id': { en: 'Token', es: 'Token' },
  'col.status': { en: 'Status', es: 'Estado' },
  'col.grant_flow': { en: 'Grant flow', es: 'Flujo' },
  'col.client_id': { en: 'Client', es: 'Cliente' },
  'col.user_id': { en: 'User', es: 'Usuario' },
  'col.account_id': { en: 'Account', es: 'Cuenta' },
  'col.roles': { en: 'Roles', es: 'Roles' },
  'col.scopes': { en: 'Scopes', es: 'Scopes' },
  'col.created_at': { en: 'Created', es: 'Creado' },
  'col.expires_at': { en: 'Expires', es: 'Caduca' },
  'col.expires_in': { en: 'Expires in', es: 'Caduca en' },
  'col.revoked_at': { en: 'Revoked', es: 'Revocado' },
  'col.last_used_at': { en: 'Last used', es: 'Último uso' },
  'col.revoked_by': { en: 'Revoked by', es: 'Revocado por' },
  'col.revoke_reason': { en: 'Revoke reason', es: 'Motivo de la revocación' },
  'col.last_used_ip': { en: 'Last used from', es: 'Último uso desde' },
  'col.last_used_user_agent': { en: 'Last user agent', es: 'Último agente de usuario' },
  'field.account_id': { en: 'Account id', es: 'Id de cuenta' },
  'field.user_id': { en: 'User id', es: 'Id de usuario' },
  'field.grant_flow': { en: 'Grant flow', es: 'Flujo' },
  'field.role': { en: 'Role', es: 'Rol' },
  'field.status': { en: 'Status at the snapshot', es: 'Estado en la instantánea' },
  'field.client_id': { en: 'Client id', es: 'Id de cliente' },
  'field.scope': { en: 'Granting scope', es: 'Scope concedido' },
  'field.created_after': { en: 'Created at or after', es: 'Creado en o después de' },
  'field.created_before': { en: 'Created before', es: 'Creado antes de' },
  'field.expires_after': { en: 'Expires at or after', es: 'Caduca en o después de' },
  'field.expires_before': { en: 'Expires before', es: 'Caduca antes de' },
  'field.last_used_after': { en: 'Last used at or after', es: 'Último uso en o después de' },
  'field.last_used_before': { en: 'Last used before', es: 'Último uso antes de' },
  'field.never_used': { en: 'Never used', es: 'Nunca usado' },
  'field.token_id': { en: 'Token id', es: 'Id de token' },
  'field.actor_client_id': { en: 'Actor client', es: 'Cliente que actuó' },
  'field.actor_user_id': { en: 'Actor user id', es: 'Id del usuario que actuó' },
  'field.actor_token_id': { en: 'Actor token id', es: 'Id del token que actuó' },
  'field.occurred_after': { en: 'From', es: 'Desde' },
  'field.occurred_before': { en: 'Before', es: 'Antes de' },
  'order.created_at': { en: 'Created', es: 'Creación' },
  'order.expires_at': { en: 'Expiry', es: 'Caducidad' },
  'order.last_used_at': { en: 'Last use', es: 'Último uso' },
  'order.token_id': { en: 'Token id', es: 'Id de token' },
  'order.user_id': { en: 'User id', es: 'Id de usuario' },
  'order.account_id': { en: 'Account id', es: 'Id de cuenta' },
  'order.grant_flow': { en: 'Grant flow', es: 'Flujo' },
  'value.DESC': { en: 'Descending', es: 'Descendente' },
  'value.ASC': { en: 'Ascending', es: 'Ascendente' },
  'value.ORDER_DIRECTION_ENUM_UNSPECIFIED': { en: 'Default (descending)', es: 'Predeterminada (descendente)' },
  'value.GRANT_FLOW_CLIENT_CREDENTIALS': { en: 'Client credentials', es: 'Credenciales de cliente' },
  'value.GRANT_FLOW_PASSWORD': { en: 'Password', es: 'Contraseña' },
  'value.GRANT_FLOW_ENTITY_SETUP': { en: 'Entity setup', es: 'Alta de entidad' },
  'value.GRANT_FLOW_LOGIN': { en: 'Login', es: 'Inicio de sesión' },
  'value.TOKEN_STATUS_ACTIVE': { en: 'Active', es: 'Activo' },
  'value.TOKEN_STATUS_EXPIRED': { en: 'Expired', es: 'Caducado' },
  'value.TOKEN_STATUS_REVOKED': { en: 'Revoked', es: 'Revocado' },
  'value.ACTIVE': { en: 'Active', es: 'Activo' },
  'value.EXPIRED': { en: 'Expired', es: 'Caducado' },
  'value.REVOKED': { en: 'Revoked', es: 'Revocado' },
  'value.TOKEN_ISSUED': { en: 'Issued', es: 'Emitido' },
  'value.TOKEN_REVOKED': { en: 'Revoked', es: 'Revocado' },
  'value.TOKENS_REVOKED_BY_FILTER': { en: 'Revoked by filter', es: 'Revocados por filtro' },
  'value.TOKENS_REVOKED_LEAKED': { en: 'Leaked, revoked', es: 'Filtrados, revocados' },
  'value.TOKENS_LISTED': { en: 'Listed', es: 'Listados' },
  'value.TOKENS_PURGED': { en: 'Purged', es: 'Purgados' },
  none: { en: '—', es: '—' },
  never: { en: 'never', es: 'nunca' },
  'details.title': { en: 'Token {id}', es: 'Token {id}' },
  'details.back': { en: 'Back to the list', es: 'Volver a la lista' },
  'details.loading': { en: 'Loading the token…', es: 'Cargando el token…' },
  'details.noActor': {
    en: 'not recorded (the operator, or before the audit trail)',
    es: 'sin registrar (el operador, o antes del registro de auditoría)',
  },
  'details.activity': { en: 'Activity of this token', es: 'Actividad de este token' },
  'details.noActivity': { en: 'No event of the audit trail names this token.', es: 'Ningún evento del registro de auditoría menciona este token.' },
  'details.allActivity': { en: 'See all its events in Activity', es: 'Ver todos sus eventos en Actividad' },
  'revoke.button': { en: 'Revoke…', es: 'Revocar…' },
  'revoke.title': { en: 'Revoke this token?', es: '¿Revocar este token?' },
  'revoke.body': {
    en: 'Token {id} stops authenticating at once. This cannot be undone. Say why: the reason is kept with the token and in the audit trail.',
    es: 'El token {id} deja de autenticar de inmediato. No se puede deshacer. Indique por qué: el motivo se guarda con el token y en el registro de auditoría.',
  },
  'revoke.confirm': { en: 'Revoke token', es: 'Revocar token' },
  'revoke.cancel': { en: 'Cancel', es: 'Cancelar' },
  'revoke.done': { en: 'The token was revoked.', es: 'El token fue revocado.' },
  'reason.label': { en: 'Reason (kept in the audit trail)', es: 'Motivo (se guarda en el registro de auditoría)' },
  'reason.help': { en: '{n} of {max} characters. Required.', es: '{n} de {max} caracteres. Obligatorio.' },
  'bulk.panel': { en: 'Revoke', es: 'Revocar' },
  'bulk.panelHelp': {
    en: 'Every token of the current filters in the snapshot shown that is not revoked yet, after a dry run.',
    es: 'Todos los tokens de los filtros actuales en la instantánea mostrada que aún no están revocados, tras una simulación.',
  },
  'bulk.open': { en: 'Revoke all matching…', es: 'Revocar todos los que coinciden…' },
  'bulk.title': { en: 'Revoke tokens by filter', es: 'Revocar tokens por filtro' },
  'bulk.help': {
    en: 'Revokes every token these filters select at the snapshot that is not revoked yet (expired ones too: that only records it). Tokens issued after the snapshot are not touched. The server counts only the tokens your sign-in may see.',
    es: 'Revoca todos los tokens que estos filtros seleccionan en la instantánea y que aún no están revocados (también los caducados: solo queda registrado). Los tokens emitidos después de la instantánea no se tocan. El servidor cuenta solo los tokens que su sesión puede ver.',
  },
  'bulk.filters': { en: 'Filters', es: 'Filtros' },
  'bulk.noFilter': {
    en: 'No filter is set: this selects every token you may see.',
    es: 'No hay ningún filtro: esto selecciona todos los tokens que puede ver.',
  },
  'bulk.counting': { en: 'Counting the tokens (dry run)…', es: 'Contando los tokens (simulación)…' },
  'bulk.dryRun': { en: 'Dry run', es: 'Simulación' },
  'bulk.matched': { en: 'tokens would be revoked', es: 'tokens se revocarían' },
  'bulk.sample': { en: 'The first {n} of {total}, by token id:', es: 'Los primeros {n} de {total}, por id de token:' },
  'bulk.sampleLabel': { en: 'Tokens that would be revoked', es: 'Tokens que se revocarían' },
  'bulk.ownToken': {
    en: 'The token of this session is among them: once it is revoked, you are signed out.',
    es: 'El token de esta sesión está entre ellos: en cuanto se revoque, se cerrará su sesión.',
  },
  'bulk.nothing': {
    en: 'Nothing to revoke: every token these filters select is revoked already.',
    es: 'Nada que revocar: todos los tokens que seleccionan estos filtros ya están revocados.',
  },
  'bulk.confirmTitle': { en: 'Confirm', es: 'Confirmar' },
  'bulk.typeCount': { en: 'To confirm, type the number of tokens ({n})', es: 'Para confirmar, escriba el número de tokens ({n})' },
  'bulk.confirm': { en: 'Revoke {n} tokens', es: 'Revocar {n} tokens' },
  'bulk.revoking': { en: 'Revoking', es: 'Revocando' },
  'bulk.running': { en: 'Revoking {n} tokens…', es: 'Revocando {n} tokens…' },
  'bulk.progress': { en: 'Revoked {done} of {total} tokens…', es: 'Revocados {done} de {total} tokens…' },
  'bulk.retryHelp': {
    en: 'Retrying sends the same request with the same idempotency key: the server finishes this revocation, never a second one.',
    es: 'Reintentar envía la misma petición con la misma clave de idempotencia: el servidor termina esta revocación, nunca una segunda.',
  },
  'bulk.result': { en: 'Result', es: 'Resultado' },
  'bulk.done': { en: '{n} tokens revoked.', es: '{n} tokens revocados.' },
  'bulk.fewer': {
    en: '{n} of those the dry run counted were revoked meanwhile by another request.',
    es: '{n} de los que contó la simulación fueron revocados mientras tanto por otra petición.',
  },
  'bulk.event': { en: 'Audit event:', es: 'Evento de auditoría:' },
  'bulk.seeActivity': { en: 'See it in Activity', es: 'Verlo en Actividad' },
  'bulk.revokedIds': { en: 'Revoked tokens', es: 'Tokens revocados' },
  'bulk.loadingIds': { en: 'Loading the revoked ids…', es: 'Cargando los ids revocados…' },
  'bulk.idPages': { en: 'Pages of revoked ids', es: 'Páginas de ids revocados' },
  'bulk.idsRange': { en: '{from}–{to} of {total}', es: '{from}–{to} de {total}' },
  'bulk.idsNone': { en: 'None', es: 'Ninguno' },
  'activity.title': { en: 'Activity', es: 'Actividad' },
  'activity.help': {
    en: 'The audit trail, newest first: every token issued and revoked, every listing and purge, who did it and why.',
    es: 'El registro de auditoría, lo más reciente primero: cada token emitido y revocado, cada listado y purga, quién lo hizo y por qué.',
  },
  'activity.filters': { en: 'Filters of the audit trail', es: 'Filtros del registro de auditoría' },
  'activity.loading': { en: 'Loading the events…', es: 'Cargando los eventos…' },
  'activity.empty': { en: 'No event matches these filters.', es: 'Ningún evento coincide con estos filtros.' },
  'activity.caption': { en: 'Events of the audit trail, newest first', es: 'Eventos del registro de auditoría, lo más reciente primero' },
  'activity.pages': { en: 'Pages of events', es: 'Páginas de eventos' },
  'activity.newest': { en: 'Newest', es: 'Más recientes' },
  'activity.newer': { en: 'Newer', es: 'Más nuevos' },
  'activity.older': { en: 'Older', es: 'Más antiguos' },
  'activity.refresh': { en: 'Refresh', es: 'Actualizar' },
  'event.occurred_at': { en: 'When', es: 'Cuándo' },
  'event.type': { en: 'Event', es: 'Evento' },
  'event.actor': { en: 'By', es: 'Por' },
  'event.tokens': { en: 'Tokens', es: 'Tokens' },
  'event.reason': { en: 'Reason', es: 'Motivo' },
  'event.more': { en: 'More', es: 'Más' },
  'event.details': { en: 'Details', es: 'Detalles' },
  'event.byClient': { en: 'Events by this client', es: 'Eventos de este cliente' },
  'event.byUser': { en: 'Events by user', es: 'Eventos del usuario' },
  'activity.count': { en: '{n} events on this page', es: '{n} eventos en esta página' },
  'event.running': { en: 'running', es: 'en curso' },
  'event.tokenCount': { en: '{n} tokens:', es: '{n} tokens:' },
  'event.moreTokens': { en: '{n} more', es: '{n} más' },
  'event.unlisted': { en: '({n} more not listed)', es: '({n} más sin listar)' },
  'event.id': { en: 'Event id', es: 'Id del evento' },
  'event.request': { en: 'Request id', es: 'Id de la petición' },
  'event.operator': { en: 'the operator', es: 'el operador' },
  'event.user': { en: 'user {id}', es: 'usuario {id}' },
  'event.via': { en: 'with token', es: 'con el token' },
  'export.title': { en: 'Export', es: 'Exportar' },
  'export.csv': { en: 'Export CSV', es: 'Exportar CSV' },
  'export.json': { en: 'Export JSON', es: 'Exportar JSON' },
  'export.progress': { en: 'Exporting: {done} of {total} tokens', es: 'Exportando: {done} de {total} tokens' },
  'export.done': { en: 'Exported {n} tokens to {file}.', es: 'Se exportaron {n} tokens a {file}.' },
  'export.cancel': { en: 'Stop', es: 'Detener' },
  'export.help': {
    en: 'Every token of the current filters in the snapshot shown, whatever the page.',
    es: 'Todos los tokens de los filtros actuales en la instantánea mostrada, sea cual sea la página.',
  },
  'overview.title': { en: 'Overview', es: 'Resumen' },
  'overview.loading': { en: 'Loading the overview…', es: 'Cargando el resumen…' },
  'overview.active': { en: 'Active tokens', es: 'Tokens activos' },
  'overview.byFlow': { en: 'Active tokens by grant flow', es: 'Tokens activos por flujo' },
  'overview.byRole': { en: 'Active tokens by role', es: 'Tokens activos por rol' },
  'overview.created': { en: 'Tokens created per day (last 30 days, UTC)', es: 'Tokens creados por día (últimos 30 días, UTC)' },
  'overview.expiring': { en: 'Active tokens expiring in the next 7 days', es: 'Tokens activos que caducan en los próximos 7 días' },
  'overview.usage': { en: 'Use of active tokens', es: 'Uso de los tokens activos' },
  'overview.neverUsed': { en: 'Never used', es: 'Nunca usados' },
  'overview.unused30': { en: 'Not used for 30 days', es: 'Sin uso en 30 días' },
  'overview.usedRecently': { en: 'Used in the last 30 days', es: 'Usados en los últimos 30 días' },
  'overview.dayN': { en: 'Day {n}', es: 'Día {n}' },
  'overview.noData': { en: 'None', es: 'Ninguno' },
  'overview.listActive': { en: 'See the tokens', es: 'Ver los tokens' },
  'error.title': { en: 'Something went wrong', es: 'Algo salió mal' },
  'error.network': {
    en: 'The server did not answer. Check your connection and retry.',
    es: 'El servidor no respondió. Compruebe su conexión y vuelva a intentarlo.',
  },
  'error.retry': { en: 'Retry', es: 'Reintentar' },
  'error.url': {
    en: 'This address has a parameter the list does not accept: {fields}.',
    es: 'Esta dirección tiene un parámetro que la lista no acepta: {fields}.',
  },
  'notfound.title': { en: 'No such page', es: 'No existe esa página' },
} satisfies Record<string, Record<Lang, string>>;

export type TextKey = keyof typeof TEXT;
export type Translate = (key: TextKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  return (key, params = {}) => TEXT[key][lang].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

/** A text of the console by a key that may not exist (a filter the contract gained before its label). */
export function optionalText(lang: Lang, key: string): string | undefined {
  return (TEXT as Record<string, Record<Lang, string>>)[key]?.[lang];
}

const LANG_KEY = 'tokenwarden.console.lang';

/** The language kept for this tab, else the browser's first supported one, else English. */
export function initialLang(): Lang {
  const kept = sessionStorage.getItem(LANG_KEY);
  if (kept && (LANGUAGES as readonly string[]).includes(kept)) return kept as Lang;
  const preferred = navigator.languages.map((l) => l.toLowerCase().split('-')[0]);
  return (preferred.find((l) => (LANGUAGES as readonly string[]).includes(l ?? '')) as Lang | undefined) ?? 'en';
}

interface LangContext {
  lang: Lang;
  setLang(lang: Lang): void;
  t: Translate;
}

const Context = createContext<LangContext | undefined>(undefined);

export function LangProvider({ children, lang: fixed }: { children: ReactNode; lang?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => fixed ?? initialLang());
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<LangContext>(
    () => ({
      lang,
      setLang(next) {
        sessionStorage.setItem(LANG_KEY, next);
        setLangState(next);
      },
      t: translator(lang),
    }),
    [lang],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useLang(): LangContext {
  const value = useContext(Context);
  if (!value) throw new Error('useLang outside LangProvider');
  return value;
}
