import { ensureTestPostgres } from './postgres-server.js';

/**
 * vitest globalSetup of every suite that runs on both backends: finds or starts the test
 * PostgreSQL server once for the whole run (not once per test file), and hands its URL to
 * the test processes through TOKENWARDEN_TEST_DATABASE_URL. `npm test` starts one for all
 * packages and sets the variable, so then nothing is started here.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TOKENWARDEN_TEST_DATABASE_URL) return undefined;
  const server = await ensureTestPostgres({ log: (line) => process.stderr.write(`test postgres: ${line}\n`) });
  process.env.TOKENWARDEN_TEST_DATABASE_URL = server.url;
  return async () => {
    delete process.env.TOKENWARDEN_TEST_DATABASE_URL;
    await server.stop();
  };
}
