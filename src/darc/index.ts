/**
 * darc: distributed reference-counted objects. A Darc holds one instance of a value per team
 * PE and stays alive on every PE until no PE holds a handle; sent in an AM it arrives as the
 * receiver's own handle on the receiver's instance. Kinds: `Darc` (no locking), `LocalRwDarc`
 * (a reader-writer lock per PE instance), `GlobalRwDarc` (one lock for all PEs, on team PE 0).
 * Conversions between kinds are collective. Lifetime rules: docs/darc.md.
 */
export { Darc } from './darc.js';
export { WeakDarc } from './weak.js';
export { LocalRwDarc } from './local-rw.js';
export { GlobalRwDarc } from './global-rw.js';
export { DarcReadGuard, DarcWriteGuard } from './rwlock.js';
