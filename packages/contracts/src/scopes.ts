/** The scope each operation needs. */
export const SCOPES = {
  list: 'iam.oauth.tokens.list.get',
  get: 'iam.oauth.tokens.get',
  revoke: 'iam.oauth.tokens.delete',
  events: 'iam.oauth.token_events.list.get',
  introspect: 'iam.oauth.tokens.introspect',
} as const;

/**
 * Whether a held scope grants a required one: segment by segment, where `*` as the last
 * segment of the held scope matches any (non-empty) rest. `*` alone grants everything.
 */
export function scopeGrants(held: string, required: string): boolean {
  const h = held.split('.');
  const r = required.split('.');
  for (let i = 0; i < h.length; i++) {
    const seg = h[i];
    if (seg === '*' && i === h.length - 1) return r.length > i && r.slice(i).every((part) => part !== '');
    if (seg !== r[i]) return false;
  }
  return h.length === r.length;
}

/**
 * Every held scope that grants `scope` (a scope of `SCOPE_PATTERN` syntax): the scope itself
 * and each wildcard above it, `*`, `a.*`, `a.b.*`, … . So `scopeGrants(held, scope)` holds
 * exactly when `held` is one of these: a filter by scope looks them up instead of testing
 * every stored scope.
 */
export function grantingScopes(scope: string): string[] {
  const parts = scope.split('.');
  const out = new Set<string>([scope, '*']);
  for (let k = 1; k < parts.length; k++) out.add(`${parts.slice(0, k).join('.')}.*`);
  return [...out];
}

export function scopesGrant(held: readonly string[], required: string): boolean {
  return held.some((s) => scopeGrants(s, required));
}
