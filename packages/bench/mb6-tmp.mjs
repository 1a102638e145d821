import { createDeps, mintToken, authenticate, createCaller, createContext } from '@tokenwarden/api';
import { openDatabase } from '@tokenwarden/db';
import { decodeQuery, ListTokensInput } from '@tokenwarden/contracts';
const deps = createDeps(openDatabase('data/tokens-1000000-s1.db'));
const tok = mintToken(deps, { entityPk: 2, clientId: 'c', userId: null, accountId: null, grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS', roles: [], scopes: ['*'], lifetimeSeconds: 3600 }).accessToken;
const qs = new URLSearchParams('page_params.page_size=50&page_params.first_request_timestamp.seconds=1767225601');
const input = decodeQuery(ListTokensInput, qs).value;
async function t(name, fn, N = 3000) { for (let i=0;i<300;i++) await fn(); const t0=performance.now(); for (let i=0;i<N;i++) await fn(); console.log(name.padEnd(28), ((performance.now()-t0)/N*1000).toFixed(1), 'us'); }
for (let r=0;r<2;r++){
await t('decodeQuery', () => decodeQuery(ListTokensInput, qs));
await t('authenticate', () => authenticate(deps, `Bearer ${tok}`, 'iam.oauth.tokens.list.get'));
await t('findByHash', () => deps.tokens.findByHash(Buffer.alloc(32)));
await t('lister.list', () => deps.lister.list(2, input, {}, deps.clock.nowMicros()));
await t('caller.tokens.list', () => createCaller(createContext(deps, { authorization: `Bearer ${tok}` })).tokens.list(input));
const res = await createCaller(createContext(deps, { authorization: `Bearer ${tok}` })).tokens.list(input);
await t('JSON.stringify', () => JSON.stringify(res));
}
const { presentToken } = await import('@tokenwarden/api');
const recs = (await deps.lister.list(2, input, {}, deps.clock.nowMicros())).records;
await t('presentToken x50', () => recs.map((r) => presentToken(r, Date.now() * 1000)));
await t('zod ListTokensInput.parse', () => ListTokensInput.parse(input));
await t('touchLastUsed', () => deps.tokens.touchLastUsed(2, 1, Date.now()*1000, 60_000_000));
await t('lister.list again', () => deps.lister.list(2, input, {}, deps.clock.nowMicros()));
