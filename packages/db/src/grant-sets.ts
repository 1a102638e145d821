/** A token's roles and scopes: one of its entity's grant sets, shared (frozen) by every record that carries it. */
export interface GrantSet {
  entityPk: number;
  roles: readonly string[];
  scopes: readonly string[];
}

/**
 * Grant sets by key, parsed once per process. A set is immutable and never deleted, so
 * a cached one never goes stale, whichever process wrote it; a lookup names the entity,
 * as every token query does, and a set of another entity is never answered. Bounded:
 * cleared when full. Each adapter fetches what is missing its own way.
 */
export class GrantSetCache {
  private readonly sets = new Map<number, GrantSet>();

  constructor(private readonly capacity = 65_536) {}

  get(entityPk: number, pk: number): GrantSet | undefined {
    const cached = this.sets.get(pk);
    return cached !== undefined && cached.entityPk === entityPk ? cached : undefined;
  }

  /** Parses a set as stored (JSON arrays); `remember: false` for a set read inside a transaction that may roll back. */
  parse(entityPk: number, pk: number, roles: string, scopes: string, remember = true): GrantSet {
    const set: GrantSet = {
      entityPk,
      roles: Object.freeze(JSON.parse(roles) as string[]),
      scopes: Object.freeze(JSON.parse(scopes) as string[]),
    };
    if (remember) {
      if (this.sets.size >= this.capacity) this.sets.clear();
      this.sets.set(pk, set);
    }
    return set;
  }
}

/** The stored form of a token's roles and scopes (the grant_sets key). */
export function grantSetText(roles: readonly string[], scopes: readonly string[]): { roles: string; scopes: string } {
  return { roles: JSON.stringify(roles), scopes: JSON.stringify(scopes) };
}
