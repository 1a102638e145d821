import { bothBackends } from '../../vitest.shared.js';

/**
 * Both backends, as `bothBackends`, but not every file on both: the SQLite-only suites
 * (EXPLAIN QUERY PLAN, upgrades of SQLite files, SQLite internals) run once, in the
 * `sqlite` project, and the PostgreSQL-only suites once, in the `postgres` project. The
 * suites of the store interface (token-store*, directory-store) run in both.
 *
 * By `exclude`: a project's `include` would be appended to the shared one, not replace it.
 */
const SQLITE_ONLY = ['test/explain.test.ts', 'test/migrations.test.ts', 'test/sqlite-*.test.ts'];
const POSTGRES_ONLY = ['test/postgres-*.test.ts'];

const projects = bothBackends.test.projects.map((p) => ({
  ...p,
  test: { ...p.test, exclude: p.test.name === 'postgres' ? SQLITE_ONLY : POSTGRES_ONLY },
}));

export default { test: { ...bothBackends.test, projects } };
