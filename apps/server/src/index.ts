export { createApp, type App, type AppOptions } from './app.js';
export { loadConfig, type ServerConfig } from './config.js';
export { DEMO, demoEntityId, ensureDemoData, issueDemoToken } from './demo/data.js';
export { createLogger, REDACTED_PATHS } from './logger.js';
export { matchRoute, REST_ROUTES, type RestRoute } from './rest.js';
