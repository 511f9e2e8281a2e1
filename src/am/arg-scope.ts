/**
 * Lifetimes of runtime references (memory regions, Darcs) that arrive inside an AM's arguments.
 *
 * In Lamellar an AM owns the Darcs and regions in its fields and drops them when it finishes.
 * JS has no destructors, so the engine opens a scope while it decodes a request's arguments; a
 * ref codec's `decode` calls `holdWhileAmRuns(release)` to tie the handle it returns to that AM,
 * and the engine runs the releases once the AM has finished (after its reply is encoded) or has
 * failed. Outside a scope (a decoded result, a user's own decode) it returns false and the
 * decoded handle belongs to whoever receives it.
 *
 * No allocation on the common path: one shared stack, spliced only when a codec pushed something.
 */
const held: (() => void)[] = [];
let depth = 0;

/** Called by ref codecs during decode; false when no AM argument scope is open. */
export function holdWhileAmRuns(release: () => void): boolean {
  if (depth === 0) return false;
  held.push(release);
  return true;
}

/** @internal Engine: before decoding an AM's arguments. Returns a mark for `closeArgScope`. */
export function openArgScope(): number {
  depth++;
  return held.length;
}

/** @internal Engine: after decoding (whether or not it succeeded). */
export function closeArgScope(mark: number): (() => void)[] | undefined {
  depth--;
  return held.length === mark ? undefined : held.splice(mark);
}

/** @internal Engine: once the AM has finished. A release that throws must not stop the others. */
export function runReleases(list: (() => void)[] | undefined): void {
  if (list === undefined) return;
  for (const release of list) {
    try {
      release();
    } catch {}
  }
}
