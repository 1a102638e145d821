// The built console's directory, for the server that serves it (as swagger-ui-dist's
// getAbsoluteFSPath): resolving this module by package name finds the files wherever the
// package is installed. Plain JavaScript, so it needs no build of its own.
import { fileURLToPath } from 'node:url';

export const consoleDistDir = fileURLToPath(new URL('./dist/', import.meta.url));
