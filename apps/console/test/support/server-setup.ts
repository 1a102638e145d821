import { DEMO, ensureDemoData } from '@tokenwarden/server';
import { startTestServer } from '@tokenwarden/server/testing';
import type { TestProject } from 'vitest/node';

/**
 * A real server with a little demo data for the component tests that talk to one: started
 * here, in Node, because a server cannot run inside the happy-dom environment of those
 * tests. They find it with `inject('serverUrl')`, and the demo credentials with `inject('demo')`.
 */
export default async function setup(project: TestProject) {
  const server = await startTestServer({ consoleDir: null, backend: 'sqlite' });
  await ensureDemoData(server.deps, { seed: 42, tokens: 60 });
  project.provide('serverUrl', server.url);
  project.provide('demo', { users: DEMO.users.map((u) => ({ username: u.username, password: u.password })), admin: DEMO.admin });
  return () => server.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    demo: { users: { username: string; password: string }[]; admin: { clientId: string; clientSecret: string } };
  }
}
