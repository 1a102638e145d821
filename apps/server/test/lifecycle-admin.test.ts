import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeps } from '@tokenwarden/api';
import { IssueTokenResponse, ListTokensResponse } from '@tokenwarden/contracts';
import { openTestStore } from '@tokenwarden/db/testing/test-store';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/logger.js';

/** The operator commands (built dist/admin.js) create credentials that work for every grant. */
const dist = (file: string) => new URL(`../dist/${file}`, import.meta.url).pathname;
/** The run's backend: the commands get the SQLite file as --db, or the PostgreSQL URL as the server would. */
const target = await openTestStore();
afterAll(() => target.cleanup());

function admin(args: string[], input?: string) {
  const where = target.backend === 'postgres' ? [] : ['--db', target.location];
  const env = { ...process.env, TOKENWARDEN_DATABASE_URL: target.backend === 'postgres' ? target.location : '' };
  const r = spawnSync(process.execPath, [dist('admin.js'), ...args, ...where], { encoding: 'utf8', input, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: <T = Record<string, unknown>>() => JSON.parse(r.stdout) as T };
}

describe('tokenwarden-admin client/user/account create', () => {
  it('creates credentials that issue tokens through every grant', async () => {
    const entity = admin(['entity', 'create', '--name', 'Ops Co']).json();
    const e = entity.entity_id as string;

    const client = admin([
      'client',
      'create',
      '--entity',
      e,
      '--name',
      'svc',
      '--roles',
      'SERVICE,REPORTING',
      '--scopes',
      'iam.oauth.tokens.list.get,payments.*',
    ]);
    expect(client.status, client.stderr).toBe(0);
    const c = client.json();
    expect(c).toMatchObject({ entity_id: e, name: 'svc', roles: ['SERVICE', 'REPORTING'], scopes: ['iam.oauth.tokens.list.get', 'payments.*'] });
    expect(c.client_secret).toMatch(/^twcs_[A-Za-z0-9_-]{43}$/);

    const account = admin(['account', 'create', '--entity', e, '--name', 'Main account']).json<{ account_id: string }>();
    expect(account).toMatchObject({ entity_id: e, name: 'Main account' });

    const user = admin(
      [
        'user',
        'create',
        '--entity',
        e,
        '--username',
        'olga',
        '--password-stdin',
        '--roles',
        'TELLER',
        '--scopes',
        'iam.oauth.*,payments.create',
        '--accounts',
        account.account_id,
      ],
      'olga-chosen-password\n',
    );
    expect(user.status, user.stderr).toBe(0);
    const u = user.json();
    expect(u).toMatchObject({ username: 'olga', roles: ['TELLER'], scopes: ['iam.oauth.*', 'payments.create'], account_ids: [account.account_id] });
    // A password the operator chose is never echoed back.
    expect(user.stdout).not.toContain('olga-chosen-password');
    expect(u).not.toHaveProperty('password');

    const generated = admin([
      'user',
      'create',
      '--entity',
      e,
      '--username',
      'pavel',
      '--roles',
      'AUDITOR',
      '--scopes',
      'iam.oauth.tokens.list.get',
    ]).json();
    expect(generated.password).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const deps = createDeps(target.store);
    const app = createApp({ deps, log: createLogger('silent') });
    const { port } = await app.listen(0, '127.0.0.1');
    const issue = async (body: object) => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/iam/oauth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as IssueTokenResponse };
    };
    try {
      const cc = await issue({
        grant_type: 'client_credentials',
        client_id: c.client_id,
        client_secret: c.client_secret,
        account_id: account.account_id,
      });
      expect(cc.status).toBe(200);
      expect(IssueTokenResponse.parse(cc.body).roles).toEqual(['SERVICE', 'REPORTING']);
      const pw = await issue({
        grant_type: 'password',
        client_id: c.client_id,
        client_secret: c.client_secret,
        username: 'olga',
        password: 'olga-chosen-password',
      });
      expect(pw.status).toBe(200);
      expect(pw.body.scopes).toEqual(['payments.create', 'iam.oauth.tokens.list.get']);
      const login = await issue({ grant_type: 'login', username: 'olga', password: 'olga-chosen-password', account_id: account.account_id });
      expect(login.status).toBe(200);
      const pavel = await issue({ grant_type: 'login', username: 'pavel', password: generated.password });
      expect(pavel.status).toBe(200);
      // pavel is an AUDITOR: he sees the whole entity, tokens of every flow included.
      const list = await fetch(`http://127.0.0.1:${port}/v1/iam/oauth/tokens?page_params.page_size=100`, {
        headers: { authorization: `Bearer ${pavel.body.access_token}` },
      });
      const flows = ListTokensResponse.parse(await list.json()).tokens.map((t) => [t.grant_flow, t.account_id]);
      expect(flows).toEqual(
        expect.arrayContaining([
          ['GRANT_FLOW_CLIENT_CREDENTIALS', account.account_id],
          ['GRANT_FLOW_PASSWORD', null],
          ['GRANT_FLOW_LOGIN', account.account_id],
          ['GRANT_FLOW_ENTITY_SETUP', null],
        ]),
      );
    } finally {
      await app.close();
    }
  }, 120_000);

  it('refuses bad input with a clear message and exit code 2', () => {
    const e = admin(['entity', 'create', '--name', 'Strict Co']).json().entity_id as string;
    const cases: [string[], RegExp][] = [
      [['client', 'create', '--name', 'x'], /--entity is required/],
      [['client', 'create', '--entity', '00000000-0000-4000-8000-000000000000', '--name', 'x'], /no entity/],
      [['client', 'create', '--entity', e], /--name is required/],
      [['client', 'create', '--entity', e, '--name', 'x', '--roles', 'bad role'], /--roles: "bad role" is not a role/],
      [['client', 'create', '--entity', e, '--name', 'x', '--scopes', 'a.*.b'], /--scopes: "a\.\*\.b" is not a scope/],
      [['user', 'create', '--entity', e], /--username is required/],
      [['user', 'create', '--entity', e, '--username', 'q', '--accounts', '00000000-0000-4000-8000-000000000000'], /not an account of this entity/],
      [['user', 'create', '--entity', e, '--username', 'q', '--password', 'x', '--password-stdin'], /not both/],
      [['account', 'create', '--entity', e], /--name is required/],
    ];
    for (const [args, message] of cases) {
      const r = admin(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(admin(['user', 'create', '--entity', e, '--username', 'dup', '--password', 'p1']).status).toBe(0);
    const dup = admin(['user', 'create', '--entity', e, '--username', 'dup', '--password', 'p2']);
    expect(dup.status).toBe(2);
    expect(dup.stderr).toMatch(/a user named "dup" already exists/);
  }, 120_000);
});
