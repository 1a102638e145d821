import { bootstrapEntity, type Deps } from '@tokenwarden/api';

export { mintTestToken as mint, startTestServer as startServer, type TestServer } from '@tokenwarden/server/testing';

/** An entity with its setup client and its all-powerful ENTITY_SETUP token. */
export function newEntity(deps: Deps, name: string) {
  return bootstrapEntity(deps, name);
}
