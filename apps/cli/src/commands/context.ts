import type { TokenwardenClient } from '@tokenwarden/client';
import type { Io, Terminal } from '../run.js';

export interface ConnectionValues {
  url?: string;
  token?: string;
  lang?: string;
  retries?: string;
}

/** What a command gets besides its arguments: the streams, and how to reach the server from the connection flags. */
export interface CommandContext {
  io: Io;
  term: Terminal;
  /** A client from the connection flags and the environment; the token is hidden from every message after it. */
  connect: (values: ConnectionValues, io: Io, term: Terminal) => TokenwardenClient;
}
