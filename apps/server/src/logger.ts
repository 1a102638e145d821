import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths never written to a log, whatever a log call is given. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  '*.authorization',
  'access_token',
  '*.access_token',
  'client_secret',
  '*.client_secret',
  'password',
  '*.password',
  'token',
  '*.token',
];

/** One structured JSON logger for the process (stdout unless a destination is given). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'tokenwarden' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
