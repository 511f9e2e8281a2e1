/**
 * What keeps a thread's event loop alive, counted by kind (`process.getActiveResourcesInfo()`),
 * and what the launcher itself holds before it loads the script (its pipes, its module hooks'
 * port): the idle watch (team/idle.ts) counts neither as the script's own.
 */

export type ResourceCounts = Map<string, number>;

/** The resources keeping this thread's event loop alive now, counted by kind. */
export function activeResources(): ResourceCounts {
  const counts: ResourceCounts = new Map();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

let host: ResourceCounts = new Map();

/** The launcher, just before it imports the script: what it holds now is its own. */
export function noteHostResources(): void {
  host = activeResources();
}

/** What the launcher held before it imported the script (empty when no launcher ran it). */
export function hostResources(): ResourceCounts {
  return host;
}
