/** Shared test helpers: import from 'test/helpers/index.js'. */
export * from './config.js';
export * from './fake-flow.js';
export * from './memory-logger.js';
export * from './rule-context.js';
export * from './sip-request.js';
export * from './sip-response.js';
export * from './test-server.js';
export * from './process.js';
