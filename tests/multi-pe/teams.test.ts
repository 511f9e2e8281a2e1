/**
 * Teams on every lamella configuration: tests/fixtures/teams.ts. Cases that need non-members or
 * disagreeing PEs run only with two PEs or more.
 */
import { conformance } from '../helpers/conformance.js';
import { CONFIGS } from '../helpers/job.js';

const everywhere = [
  'a blocked team of the first half runs AMs and barriers',
  'a strided team of the even PEs runs AMs and barriers',
  'a 1-PE team of the world runs AMs and barriers',
  'a sub-team of a sub-team runs AMs and barriers',
  'ctx.team in an AM is the launching team',
  'team ids are the same on every member and unique, even for concurrent creations',
  'an invalid arch on some PEs rejects on every PE with a coded error and the parent still works',
  "a Team sent in an AM arrives as the receiver's own Team; a non-member refuses it",
  'waitAll on a team waits for the AMs launched through it, not for others',
  'a Darc and a shared region on a team live on its members, at any depth',
];
const multiPe = [
  'a team barrier involves members only',
  'creating teams in mismatched order fails with TEAM_MISMATCH on every PE',
  'after a mismatch the parents still create working teams',
  'a team region, Darc or array sent to a PE outside the team is refused there',
];

conformance('teams.ts', everywhere, { configs: CONFIGS.filter((c) => c.numPes === 1) });
conformance('teams.ts', [...everywhere, ...multiPe], { configs: CONFIGS.filter((c) => c.numPes > 1) });
