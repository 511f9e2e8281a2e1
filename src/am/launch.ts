/**
 * The internal launch surface a team exposes to groups in this folder, under a symbol so it
 * stays off the public API.
 */
import type { AmDef } from './define.js';
import type { AmHandle, HandleCounter, LocalAmHandle, MultiAmHandle } from './handle.js';

import { kTeamLaunch } from '../core/index.js';

export { kTeamLaunch };

export interface TeamLaunchOps {
  check(am: unknown): void;
  /**
   * Returns `pe` if it is a PE of this team; otherwise throws PE_OUT_OF_RANGE naming the team,
   * and `method` (the public call, e.g. `TypedAmGroup.addAmPe`) where given.
   */
  checkPe(pe: number, method?: string): number;
  /** Launches on team PE `pe`; `method` names the public call in a PE_OUT_OF_RANGE message. */
  pe<A, R>(pe: number, am: AmDef<A, R>, args: unknown, group?: HandleCounter, method?: string, keep?: ReadonlySet<object>): AmHandle<R>;
  /** `keep`: objects in `args` whose clones do not move into the AM (a TypedAmGroup's static members). */
  all<A, R>(am: AmDef<A, R>, args: unknown, group?: HandleCounter, keep?: ReadonlySet<object>): MultiAmHandle<R>;
  local<A, R>(am: AmDef<A, R>, args: unknown, group?: HandleCounter): LocalAmHandle<R>;
  /** Warns of the failed AMs launched through `group` whose handles were never awaited (its waitAll). */
  reportUnobserved(group: HandleCounter): void;
}

export interface TeamLaunch {
  readonly [kTeamLaunch]: TeamLaunchOps;
}
