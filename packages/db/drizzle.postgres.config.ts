import { defineConfig } from 'drizzle-kit';

/** `pnpm db:generate:postgres`: migrations of the PostgreSQL adapter (src/postgres/schema.ts). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/postgres/schema.ts',
  out: './drizzle/postgres',
});
