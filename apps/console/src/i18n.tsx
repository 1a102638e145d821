import { type Lang, LANGUAGES } from '@tokenwarden/contracts';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';

/** Every text of the console, in each language the API answers in. */
const TEXT = {
  'app.title': { en: 'Tokenwarden audit console', es: 'Consola de auditoría de Tokenwarden' },
  'nav.overview': { en: 'Overview', es: 'Resumen' },
  'nav.tokens': { en: 'Tokens', es: 'Tokens' },
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
  'field.account_id': { en: 'Account id', es: 'Id de cuenta' },
  'field.user_id': { en: 'User id', es: 'Id de usuario' },
  'field.grant_flow': { en: 'Grant flow', es: 'Flujo' },
  'field.role': { en: 'Role', es: 'Rol' },
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
  none: { en: '—', es: '—' },
  never: { en: 'never', es: 'nunca' },
  'details.title': { en: 'Token {id}', es: 'Token {id}' },
  'details.back': { en: 'Back to the list', es: 'Volver a la lista' },
  'details.loading': { en: 'Loading the token…', es: 'Cargando el token…' },
  'revoke.button': { en: 'Revoke…', es: 'Revocar…' },
  'revoke.title': { en: 'Revoke this token?', es: '¿Revocar este token?' },
  'revoke.body': {
    en: 'Token {id} stops authenticating at once. This cannot be undone.',
    es: 'El token {id} deja de autenticar de inmediato. No se puede deshacer.',
  },
  'revoke.confirm': { en: 'Revoke token', es: 'Revocar token' },
  'revoke.cancel': { en: 'Cancel', es: 'Cancelar' },
  'revoke.done': { en: 'The token was revoked.', es: 'El token fue revocado.' },
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
