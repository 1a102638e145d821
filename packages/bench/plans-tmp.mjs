import { openDatabase, pageSql, countSql, bindings } from '@tokenwarden/db';
const s = openDatabase(process.argv[2], { readonly: true }).$client;
const u='1673d8fa-8efe-44f1-ab3a-6ffd075a5dc0', a='384ee305-9b63-4398-8d7a-7ea1dda93ca4';
for (const f of [{userId:u, grantFlow:'GRANT_FLOW_PASSWORD'},{accountId:a, role:'TELLER'},{grantFlow:'GRANT_FLOW_CLIENT_CREDENTIALS', role:'AUDITOR'},{userId:u,accountId:a,grantFlow:'GRANT_FLOW_PASSWORD',role:'TELLER'}]) {
  const q = { filters: f, orderKey: 'created_at', direction: 'DESC' };
  const b = bindings(1, { filters: f, snapshot: 1e18, limit: 10, offset: 0 });
  console.log(JSON.stringify(f)); console.log('  page', s.prepare('EXPLAIN QUERY PLAN ' + pageSql(q)).all(b).map(r => r.detail).join(' ; '));
  delete b.limit; delete b.offset;
  console.log('  count', s.prepare('EXPLAIN QUERY PLAN ' + countSql(f)).all(b).map(r => r.detail).join(' ; '));
  let t=performance.now(); const n = s.prepare(countSql(f)).get(b); console.log('  count', n, (performance.now()-t).toFixed(1));
}
console.log(s.prepare("select * from sqlite_stat1 where tbl in ('tokens','token_roles')").all());
