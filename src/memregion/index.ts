/**
 * memregion: low-level memory regions (Lamellar's RDMA layer), and the distributed reference
 * counting that regions and Darcs share.
 *
 * Words: a *shared* region is collective (the same number of elements on every team PE); a
 * *one-sided* region lives on the PE that allocated it (its *owner*). `put`/`get` copy between
 * a typed array on this PE and a region on any PE; on shmem they are plain copies into the
 * target's memory, with no work on the target. Regions are unsafe by design: no locking.
 * A *handle* is one reference; the memory lives until no PE holds a handle, and a released
 * handle throws USE_AFTER_RELEASE.
 *
 * This index is the public face (src/index.ts re-exports all of it); darc and array import
 * the shared machinery from ./internal.js.
 *
 * Importing this module adds `allocSharedMemRegion` and `allocOneSidedMemRegion` to World and
 * Team (declaration merging keeps the team layer free of any dependency on this one).
 */
import { Team, World } from '../team/index.js';
import { allocOneSided, OneSidedMemoryRegion } from './one-sided.js';
import './quiesce.js';
import { allocShared, SharedMemoryRegion } from './shared.js';
import type { ElemType } from './types.js';

export { SharedMemoryRegion } from './shared.js';
export { OneSidedMemoryRegion } from './one-sided.js';
export type { ElemType, ElemValue, TypedArrayOf, TypedArrayMap, ReadonlyTypedArray, ReadonlyTypedArrayOf, AnyTypedArray } from './types.js';

/** World's memory-region allocators (installed by this module). */
declare module '../team/world.js' {
  interface World {
    /**
     * Collective over the world: `length` elements of `type` on every PE, zeroed. Every PE must
     * call it with the same arguments, in the same order as its other collectives.
     * @example
     * ```ts
     * const r = await world.allocSharedMemRegion('f64', 1024);
     * r.unsafeLocalData().fill(world.myPe);
     * ```
     */
    allocSharedMemRegion<T extends ElemType>(type: T, length: number): Promise<SharedMemoryRegion<T>>;
    /**
     * This PE only: `length` elements of `type` in this PE's memory, zeroed; the handle can be sent
     * in AMs so other PEs put and get into it.
     * @example
     * ```ts
     * const mine = world.allocOneSidedMemRegion('u8', 4096);
     * mine.unsafeLocalData()[0] = 1;
     * ```
     */
    allocOneSidedMemRegion<T extends ElemType>(type: T, length: number): OneSidedMemoryRegion<T>;
  }
}
/** Team's memory-region allocators (installed by this module). */
declare module '../team/team.js' {
  interface Team {
    /**
     * Collective over the team: `length` elements of `type` on every member, zeroed; put/get take
     * team-relative PEs.
     * @example
     * ```ts
     * const r = await world.team.allocSharedMemRegion('u32', 16);
     * ```
     */
    allocSharedMemRegion<T extends ElemType>(type: T, length: number): Promise<SharedMemoryRegion<T>>;
    /**
     * This PE only: `length` elements of `type` in this PE's memory, zeroed; sendable in AMs.
     * @example
     * ```ts
     * const mine = world.team.allocOneSidedMemRegion('f32', 8);
     * ```
     */
    allocOneSidedMemRegion<T extends ElemType>(type: T, length: number): OneSidedMemoryRegion<T>;
  }
}

Team.prototype.allocSharedMemRegion = function <T extends ElemType>(this: Team, type: T, length: number) {
  return allocShared(this, type, length);
};
Team.prototype.allocOneSidedMemRegion = function <T extends ElemType>(this: Team, type: T, length: number) {
  return allocOneSided(this, type, length);
};
World.prototype.allocSharedMemRegion = function <T extends ElemType>(this: World, type: T, length: number) {
  return allocShared(this.team, type, length);
};
World.prototype.allocOneSidedMemRegion = function <T extends ElemType>(this: World, type: T, length: number) {
  return allocOneSided(this.team, type, length);
};
