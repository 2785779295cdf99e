// task-coordinator-server as a library: start a server in-process (tests, embedding), read its config.
export { startServer, StartupError, VERSION, type RunningServer, type StartOptions } from './server.js';
export { parseConfig, parseDuration, ConfigError, DEFAULTS, HELP, type ServerConfig } from './config.js';
export { ROUTES, ClaimNextRequestSchema, EventsRequestSchema } from './routes/v1/index.js';
export { openApiDocument } from './routes/openapi.js';
export { MAX_BACKLOG } from './live/socket.js';
