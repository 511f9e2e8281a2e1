/**
 * Exit hooks: how the PE bootstrap (launcher) shuts a world down when the user's script returns
 * without calling `shutdown()`, without the launcher importing the team layer.
 */
const hooks = new Set<() => Promise<void>>();

export function addExitHook(hook: () => Promise<void>): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

export async function runExitHooks(): Promise<void> {
  for (const hook of [...hooks]) await hook();
}
