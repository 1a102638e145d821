export { bothBackends as default } from '../../vitest.shared.js';
