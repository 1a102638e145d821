import { TokenwardenError } from '@tokenwarden/client';
import { exitCodeFor, rpcCodeName } from './exit-codes.js';
import type { Terminal } from './run.js';

/** The flag a command took each request parameter from, by the parameter's name in a 400 (`user_id` → `--user-id`). */
export type FlagForField = Readonly<Record<string, string>>;

/** A failure the server reported (or no answer), on stderr, each field named by the flag it came from. */
export function reportApiError(error: TokenwardenError, term: Terminal, flagFor: FlagForField): void {
  const where = error.isNetworkError ? 'no answer from the server' : `HTTP ${error.status} ${rpcCodeName(error.code)}`;
  term.err(`tokenwarden: ${error.message} (${where})\n`);
  for (const d of error.details) {
    // `type.1` is the second value of `type`.
    const flag = flagFor[d.field] ?? flagFor[d.field.replace(/\.\d+$/, '')];
    term.err(`  ${flag ? `${flag} (${d.field})` : d.field}: ${d.description}\n`);
  }
}

/** Runs a command whose parameters come from its own flags: a failure of the server's is reported with them. */
export async function namingFlags(term: Terminal, flagFor: FlagForField, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (error) {
    if (!(error instanceof TokenwardenError)) throw error;
    reportApiError(error, term, flagFor);
    return exitCodeFor(error);
  }
}
