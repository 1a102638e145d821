import { initTRPC } from '@trpc/server';
import { ListTokensInput } from '@tokenwarden/contracts';
const t = initTRPC.context().create({ isDev: false });
const work = async () => { await null; return { x: 1 }; };
const mw = t.middleware(({ ctx, next }) => next({ ctx: { principal: 42 } }));
const inp = ListTokensInput.prefault({});
const r = t.router({
  a: t.procedure.input(inp).use(mw).query(async ({ ctx, input }) => work()),
  b: t.procedure.input(inp).query(async ({ ctx, input }) => work()),
  c: t.procedure.query(async () => work()),
});
const cf = t.createCallerFactory(r);
const raw = { page_params: { page_size: 10, first_request_timestamp: { seconds: 1767225601, nanos: 0 } } };
const ctx = { deps: {a:1,b:2,c:3,d:4,e:5,f:6,g:7}, lang: 'en', authorization: 'Bearer x' };
async function ta(name, fn, n = 20000) { for (let i = 0; i < 2000; i++) await fn(); const s = []; for (let r = 0; r < 9; r++) { const t0 = performance.now(); for (let i = 0; i < n; i++) await fn(); s.push((performance.now() - t0) / n * 1000); } s.sort((a,b)=>a-b); console.log(name.padEnd(24), s[4].toFixed(2), 'us'); }
for (let k = 0; k < 2; k++) {
await ta('input+mw', () => cf(ctx).a(raw));
await ta('input only', () => cf(ctx).b(raw));
await ta('no input', () => cf(ctx).c());
await ta('direct work', async () => { inp.parse(raw); return work(); });
}
