/**
 * Exit hooks: how the PE bootstrap (launcher) shuts a world down when the user's script returns
 * without calling `shutdown()`, without the launcher importing the team layer. And whether this
 * PE's world has completed its collective shutdown, so the launcher can tell a PE that ends
 * after it (fine) from one that ends while the others may still wait for it (a failure).
 */
const hooks = new Set<() => Promise<void>>();

export function addExitHook(hook: () => Promise<void>): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

export async function runExitHooks(): Promise<void> {
  for (const hook of [...hooks]) await hook();
}

let shutDown = false;

/** Called by the world once its collective shutdown has completed on this PE. */
export function markWorldShutDown(): void {
  shutDown = true;
}

/** Whether this PE's world has completed its collective shutdown. */
export function worldShutDown(): boolean {
  return shutDown;
}
