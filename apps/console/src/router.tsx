import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

/**
 * The console's few routes, from the address bar: no router library for six pages. The
 * list's filters, order, page and snapshot live in the query string (the REST API's own
 * dotted parameters), so a view can be shared by its address.
 */
export const BASE = '/console';

export type Route =
  | { page: 'overview'; search: string }
  | { page: 'tokens'; search: string }
  | { page: 'token'; tokenId: string }
  | { page: 'revoke'; search: string }
  | { page: 'activity'; search: string }
  | { page: 'sign-in' }
  | { page: 'not-found' };

export function routeOf(pathname: string, search: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split('/').filter(Boolean);
  if (parts.length === 0) return { page: 'overview', search };
  if (parts[0] === 'sign-in' && parts.length === 1) return { page: 'sign-in' };
  if (parts[0] === 'tokens' && parts.length === 1) return { page: 'tokens', search };
  if (parts[0] === 'tokens' && parts.length === 2) return { page: 'token', tokenId: decodeURIComponent(parts[1] as string) };
  if (parts[0] === 'revoke' && parts.length === 1) return { page: 'revoke', search };
  if (parts[0] === 'activity' && parts.length === 1) return { page: 'activity', search };
  return { page: 'not-found' };
}

export const paths = {
  overview: (query = '') => `${BASE}/${query ? `?${query}` : ''}`,
  tokens: (query = '') => `${BASE}/tokens${query ? `?${query}` : ''}`,
  token: (tokenId: string) => `${BASE}/tokens/${encodeURIComponent(tokenId)}`,
  /** Revoke by the list's filters at its snapshot (the list's own query). */
  revoke: (query = '') => `${BASE}/revoke${query ? `?${query}` : ''}`,
  activity: (query = '') => `${BASE}/activity${query ? `?${query}` : ''}`,
  signIn: () => `${BASE}/sign-in`,
};

const CHANGE = 'tokenwarden:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(CHANGE, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(CHANGE, onChange);
  };
}

const current = () => `${location.pathname}${location.search}`;

/** The current address (path and query), re-rendering on every navigation. */
export function useAddress(): { pathname: string; search: string } {
  const address = useSyncExternalStore(subscribe, current);
  const q = address.indexOf('?');
  return q < 0 ? { pathname: address, search: '' } : { pathname: address.slice(0, q), search: address.slice(q + 1) };
}

export function navigate(to: string, o: { replace?: boolean } = {}): void {
  if (to === current()) return;
  if (o.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
}

/** An ordinary link (open in a new tab works), followed without reloading the page. */
export function Link({ to, ...props }: { to: string } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const follow = (e: MouseEvent<HTMLAnchorElement>) => {
    props.onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a {...props} href={to} onClick={follow} />;
}
