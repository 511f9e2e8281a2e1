/**
 * Views lent to the program keep their handle alive.
 *
 * A region's or array's memory is released when its handle is dropped or, undropped, garbage-
 * collected (memregion/handle.ts), and the heap then hands that memory to the next allocation.
 * A typed array the program got from the handle (`unsafeLocalData()`, `localData()`, a chunk, a
 * guard's data) is a view on that memory, not a reference to the handle: `(await
 * world.allocSharedMemRegion('u32', n)).unsafeLocalData()` kept only the view, the handle was
 * collected, and the view went on writing into whatever was allocated there next.
 *
 * So a handle lends the program views on a buffer of its own: another SharedArrayBuffer object
 * on the same memory (`structuredClone` of a SharedArrayBuffer shares its memory; about 2 µs),
 * tied to the handle in a WeakMap. Every typed array on that buffer, and every subarray the
 * program or a chunk cuts from one, references it, so the handle stays reachable exactly as long
 * as any of them is, and is collected with them once none is. Nothing is added per view (a
 * property on a typed array would give it a map of its own and make loops over it polymorphic).
 * An explicit drop() still releases the memory under a live view: Rust's borrow checker forbids
 * that, TypeScript cannot, and the docs say not to use a view after dropping its handle.
 *
 * A lent buffer is not the heap's buffer object, so code that asks whether two views share
 * memory (an overlapping copy, a put source in the registered heap) compares `heapOf` of each.
 */
/** Never read: an entry is what keeps its owner reachable while its buffer is. */
const owners = new WeakMap<SharedArrayBuffer, object>();
const heaps = new WeakMap<SharedArrayBuffer, SharedArrayBuffer>();

/** The buffer whose memory `buffer` is: the heap's own for a lent buffer, else `buffer`. */
export function heapOf(buffer: ArrayBufferLike): ArrayBufferLike {
  return buffer instanceof SharedArrayBuffer ? (heaps.get(buffer) ?? buffer) : buffer;
}

/** Whether two buffers are the same memory: the same object, or a heap and a buffer lent from it. */
export function sameMemory(a: ArrayBufferLike, b: ArrayBufferLike): boolean {
  // Most copies are between a shared and a plain buffer: no table lookups for them.
  return a === b || (a instanceof SharedArrayBuffer && b instanceof SharedArrayBuffer && heapOf(a) === heapOf(b));
}

/** What `lend` takes: a typed array on a SharedArrayBuffer (a heap). */
interface HeapView {
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
  readonly length: number;
}

/**
 * `view` again, on a buffer lent to `owner`: the same elements, and `owner` stays reachable while
 * this view, or any view on its buffer, is. A view not on shared memory is returned as it is.
 */
export function lend<V extends HeapView>(view: V, owner: object): V {
  if (!(view.buffer instanceof SharedArrayBuffer)) return view;
  const lent = structuredClone(view.buffer);
  owners.set(lent, owner);
  heaps.set(lent, heapOf(view.buffer) as SharedArrayBuffer);
  return new (view.constructor as new (buffer: SharedArrayBuffer, byteOffset: number, length: number) => V)(lent, view.byteOffset, view.length);
}
