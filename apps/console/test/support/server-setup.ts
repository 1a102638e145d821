import { createUser } from '@tokenwarden/api';
import { DEMO, demoEntityId, ensureDemoData } from '@tokenwarden/server';
import { startTestServer } from '@tokenwarden/server/testing';
import type { TestProject } from 'vitest/node';

/** A user without an admin role who may revoke and read the trail (no demo user is both): a non-admin's view of them. */
export const ERIN = { username: 'erin', password: 'erin-test-password', roles: ['SUPPORT'], scopes: ['iam.oauth.*'] };

/**
 * A real server with a little demo data for the component tests that talk to one: started
 * here, in Node, because a server cannot run inside the happy-dom environment of those
 * tests. They find it with `inject('serverUrl')`, and the demo credentials with `inject('demo')`.
 */
export default async function setup(project: TestProject) {
  const server = await startTestServer({ consoleDir: null, backend: 'sqlite' });
  await ensureDemoData(server.deps, { seed: 42, tokens: 60 });
  const entity = await server.deps.directory.findEntity(demoEntityId(42));
  if (!entity) throw new Error('the demo entity is missing');
  await createUser(server.deps, entity.pk, ERIN);
  project.provide('serverUrl', server.url);
  project.provide('demo', {
    users: [...DEMO.users, ERIN].map((u) => ({ username: u.username, password: u.password })),
    admin: DEMO.admin,
    reporting: DEMO.reporting,
  });
  return () => server.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    demo: {
      users: { username: string; password: string }[];
      admin: { clientId: string; clientSecret: string };
      reporting: { clientId: string; clientSecret: string };
    };
  }
}
