import { conformance } from '../helpers/conformance.js';

conformance('world.ts', [
  'myPe and numPes match the launch',
  'barriers order phases',
  'writes before a barrier are visible to every PE after it',
  'a thousand barriers in a row complete',
  'overlapping barrier calls are serialized',
  'initWorld twice throws ALREADY_INITIALIZED',
  'initWorld rejects an unknown backend option',
  'waitAll with nothing outstanding resolves',
  'barrier after shutdown throws WORLD_SHUT_DOWN',
]);
