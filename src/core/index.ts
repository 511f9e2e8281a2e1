/**
 * core: what every other folder may use. Errors with codes, the one config reader, diagnostics,
 * and small utilities. Depends on node:* builtins only.
 */
export * from './errors.js';
export * from './config.js';
export * from './debug.js';
export * from './deferred.js';
export * from './lifecycle.js';
export * from './drain.js';
