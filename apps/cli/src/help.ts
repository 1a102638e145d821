import { GRANT_FLOWS, ORDER_DIRECTIONS, ORDER_KEYS, STATUS_FILTERS } from '@tokenwarden/contracts';
import { EXIT_CODES_HELP } from './exit-codes.js';

export const CONNECTION = `Connection (every command):
  --url <url>        server base URL, e.g. http://127.0.0.1:8080   [env TOKENWARDEN_URL]
  --token <token>    bearer access token                          [env TOKENWARDEN_TOKEN]
                     Prefer the environment variable: a flag is visible to other users
                     in the process list. The token is never printed.
  --lang <en|es>     language of error messages (Accept-Language)
  --retries <n>      retries of reads (list, get, events) after a 5xx or network failure,
                     with exponential backoff (default 2; 0 disables); also of revoke by
                     filter, whose one idempotency key makes a retry safe. Revoking one
                     token and revoke-leaked are never retried.
  -h, --help         this help`;

export const MAIN_HELP = `tokenwarden: audit the OAuth tokens of your Tokenwarden entity

Usage:
  tokenwarden tokens list [options]       list tokens (one page, or --all)
  tokenwarden tokens get <token_id>       show one token
  tokenwarden tokens revoke <token_id>    revoke one token
  tokenwarden tokens revoke <filters>     revoke every token the filters select (--dry-run first)
  tokenwarden tokens revoke-leaked <file> revoke the tokens among leaked strings
  tokenwarden events list [options]       the audit trail (one page, or --all)

Run "tokenwarden tokens <command> --help" (or "events list --help") for the options of each.

This command talks to a running server over its API with an access token. Operator
commands that write to the database directly (create an entity, seed demo data) are
"tokenwarden-admin" in the server app (apps/server/dist/admin.js).

${CONNECTION}

${EXIT_CODES_HELP}
`;

export const TOKENS_HELP = `Usage:
  tokenwarden tokens list [options]
  tokenwarden tokens get <token_id> [options]
  tokenwarden tokens revoke <token_id> [options]
  tokenwarden tokens revoke <filter flags> (--dry-run | --reason <text>) [options]
  tokenwarden tokens revoke-leaked <file | -> [options]

Run "tokenwarden tokens <command> --help" for details.

${EXIT_CODES_HELP}
`;

export const LIST_HELP = `Usage: tokenwarden tokens list [options]

Lists the tokens of the entity (List Token Information, GET /v1/iam/oauth/tokens).
Without --all it prints one page and tells on stderr how to ask for the next one.

Pages:
  --page-size <1..100>   tokens per page (default 10; 100 with --all)
  --page <n>             page number, from 1 (default 1; with --all, the first page walked)
  --snapshot <rfc3339>   the list's snapshot (first_request_timestamp of an earlier answer,
                         e.g. 2026-03-29T02:12:15.123456Z): only tokens created at or before
                         it, so pages neither repeat nor skip while tokens are issued
  --page-token=<token>   the next page of an earlier answer, by the token it printed on stderr
                         (next_page_token): give the same other flags, and no --page; write
                         it with = (a token may begin with '-')
  --all                  walk every page of one snapshot; progress on stderr
  --quiet                no page summary or progress on stderr

Order:
  --order-key <key>          ${ORDER_KEYS.join(', ')} (default created_at)
  --order-direction <dir>    ${ORDER_DIRECTIONS.join(', ')} (default DESC)

Filters (combined with AND):
  --account-id <uuid>    tokens bound to this account
  --user-id <uuid>       tokens of this user
  --grant-flow <flow>    ${GRANT_FLOWS.join(', ')}
                         (or short: client_credentials, password, entity_setup, login)
  --role <role>          tokens carrying this role
  --status <status>      ${STATUS_FILTERS.join(', ')}: the status at the snapshot (a token
                         revoked or expired since is listed by what it was then); repeat
                         the flag or separate with commas for several
  --client-id <id>       tokens obtained by this API client
  --scope <scope>        tokens whose scopes grant it (iam.oauth.* and * grant iam.oauth.x)
  --created-after <t>    created at or after this RFC 3339 instant (e.g. 2026-03-01T00:00:00Z,
  --created-before <t>   or with an offset); before: strictly before
  --expires-after <t>    expiring at or after / before an instant
  --expires-before <t>
  --last-used-after <t>  used at least once, last at or after / before an instant (a use
  --last-used-before <t> between two pages may move a token in or out)
  --never-used           tokens never used
  --used                 tokens used at least once

Output:
  --format <table|json|csv>   default: table on a terminal, JSON lines (one token per
                              line) when piped. csv: RFC 4180 with a header row, every
                              field; roles and scopes space-separated.

${CONNECTION}

Examples:
  export TOKENWARDEN_URL=http://127.0.0.1:8080 TOKENWARDEN_TOKEN=twat_...
  tokenwarden tokens list --role AUDITOR --grant-flow password
  tokenwarden tokens list --status active --scope payments.create --used --created-after 2026-03-01T00:00:00Z
  tokenwarden tokens list --all --format csv > tokens.csv

${EXIT_CODES_HELP}
`;

export const GET_HELP = `Usage: tokenwarden tokens get <token_id> [options]

Shows one token (GET /v1/iam/oauth/tokens/{token_id}).

  --format <table|json|csv>   default: field list on a terminal, one JSON line when piped

${CONNECTION}

${EXIT_CODES_HELP}
`;
