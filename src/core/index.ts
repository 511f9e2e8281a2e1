/**
 * core: what every other folder may use. Errors with codes, the one config reader, diagnostics,
 * and small utilities. Depends on node:* builtins only.
 */
export * from './errors.js';
export type * from './error-details.js';
export * from './config.js';
export * from './env-names.js';
export * from './malloc-report.js';
export * from './debug.js';
export * from './deferred.js';
export * from './lifecycle.js';
export * from './hash.js';
export * from './symbols.js';
export * from './stats.js';
export * from './drain.js';
export * from './resources.js';
export * from './copy.js';
export * from './lent.js';
export * from './wasm.js';
export * from './gc.js';
export * from './turns.js';
export * from './package-root.js';
