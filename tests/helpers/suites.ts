/**
 * The conformance fixtures that run on many lamella configurations, with their cases and
 * configurations. The conformance-*.test.ts files run them bundled (helpers/conformance.ts
 * `bundled`): on each configuration one job runs every fixture listed here for it, in this
 * order, instead of one job per fixture. Their tests are named `<fixture> on <lamella> with <n>
 * PE(s)`, as when each fixture ran alone. Test files that run a fixture again (with other
 * variables, or through tsx) take its cases from here.
 */
import { CONFIGS, FAILURE_CONFIGS, type JobConfig } from './job.js';

export interface Suite {
  /** The fixture under tests/fixtures/. */
  file: string;
  cases: readonly string[];
  configs: JobConfig[];
}

/** Every configuration but tcp with 3 PEs. */
const NO_WIDE_TCP = CONFIGS.filter((c) => c.backend !== 'tcp' || c.numPes === 2);

export const AM_CASES = [
  'an AM with no return completes with undefined and runs on the target',
  'an AM returns a value',
  'a returned AM runs on the origin and gives the handle its result',
  'execAmAll returns results in PE order',
  'execAmLocal runs here without serializing its arguments',
  'a ring AM visits every PE recursively and returns the path',
  'PEs send each other nested AMs at the same time without deadlock',
  'waitAll waits for fire-and-forget AMs',
  'waitAll then barrier covers un-awaited nested AMs (two levels) that their parents wait for through a TaskGroup',
  'un-awaited nested AMs nobody waits for finish one level per waitAll-barrier round on every PE',
  'pipelined AMs larger than a shmem ring all arrive intact',
  'a synchronous burst of small AMs goes out in frames of LAMELLAR_AM_SIZE_THRESHOLD bytes',
  'replies of a burst of AMs that finish one after another, queued on one lock, share frames',
  'a burst of AMs that compute lets the target run its timers between them',
  "many frames from every PE, longer than a slice in all, run each sender's AMs once and in order, timers between",
  "a PE flooded with AMs gets its replies and allReduce, and serves its own and other PEs' AMs, before the flood has run",
  'an AmGroup of 1000 AMs for one PE travels in aggregated frames, not one per AM',
  'an AM that throws rejects with RemoteAmError and the world goes on',
  'an unserializable result comes back as RemoteAmError naming the result',
  'an AM the target does not define is reported to the caller',
  'a request that arrives before its target defines the AM waits for the definition and runs',
  'a TypedAmGroup sent before its target defines the AM waits for the definition and runs',
  'a TypedAmGroup entry whose AM the target never defines fails with UNKNOWN_AM naming that AM',
  'an AM naming a team the target does not know is refused with PROTOCOL, never run on another team',
  'bad launches throw at the call and send nothing',
  'defining an AM name twice throws DUPLICATE_AM',
  'an AmGroup of mixed single-PE and all-PE AMs returns results in insertion order',
  'a TaskGroup waits only for its own AMs',
  'an Error returned by an AM arrives as an Error of its class with its fields',
  'an argument of 16 keys and more carries a large array and a Darc intact, and the Darc sent again after it',
  'handles settle right whatever an AM throws or returns, and groups wait and send as they should',
  'every codec value type round-trips through an AM',
  'large typed arrays in AM arguments arrive as they were at launch, from any buffer',
  "an AM that throws an UNKNOWN_AM error of its own rejects with a RemoteAmError carrying it, not as 'not defined'",
];

const AM_MILLION_CASES = ['1000000 small AMs from every PE each run exactly once'];

export const ARRAY_MISC_CASES = [
  'an index out of bounds throws INDEX_OUT_OF_BOUNDS at the call and applies nothing',
  'a value of the wrong type throws TYPE_MISMATCH at the call and applies nothing',
  'an op the element type does not support throws UNSUPPORTED_OP',
  'a handle used after conversion throws USE_AFTER_RELEASE',
  'mismatched create calls (kind, type, length, distribution) throw COLLECTIVE_MISMATCH on every PE',
  'all 20 conversions between the five types keep the data',
  'reductions sum prod max min and a registered reduction give the same result on every PE',
  'a reduction registered on PE 0 only fails on every lamella with an error naming it and the PE that lacks it',
  "an array sent in an AM arrives as the receiver's handle on the same array",
  'lock-array guards give this PE part; collectiveWriteLocalData is collective',
  'collectiveWriteLocalData after another PE asked for a read guard: the guard is granted first, then every PE writes',
  'collectiveWriteLocalData: every PE holds its guard at once, and a plain write guard waits until all released',
  'AtomicArray localData gives atomic accessors to this PE part',
  'f32 compareExchange rounds a scalar current to f32, so a stored 0.1 is found; a NaN, negative or infinite epsilon is INVALID_ARGUMENT',
  'an array shorter than the team holds one element on each of the first PEs',
  'first and last global index of subArray(33, 66) of 100 elements, block and cyclic',
  'an out-of-bounds put through a sub-array leaves the neighbouring elements on other PEs untouched',
  'random batch updates from every PE lose nothing on Atomic, LocalLock and GlobalLock arrays',
  'large batches of add, sub, bitOr and bitXor over a large AtomicArray (applied by memory block) match a local replay',
  'large fetching batches with per-index values (add, sub, swap, load) on i8, u16, i32 and u64 give the old values of an in-order replay',
  'put and get through odd-length sub-arrays round-trip on both distributions',
  'a lock-array batch that waits for its lock applies the input passed at the call, not the refilled buffers, even if its handle is dropped meanwhile',
  'retry loops of awaited ops that complete at once (own elements, own region part) end when a timer or another PE changes the value',
  'two tasks looping on awaited ops that complete at once both make progress: a compareExchange handshake and a spin lock on PE 0 stay exact',
  'gets left running into a region or typed array have filled it when waitAll resolves',
  'range put and get, and batchStore of consecutive indices: every kind, block and cyclic, sub-arrays and ranges across owners give exact values',
  'range put and get keep every bit of every element type (extremes, -0, NaN payloads) on every mutable kind, block and cyclic, from every PE',
  'a range put or get, or a batchStore of consecutive indices, sends one run per owner, not one offset per element',
  "ops left unawaited have run their callers' continuations when waitAll resolves",
  "an array clone sent in an AM's arguments moves into it, as in Lamellar: released once sent, so a conversion does not wait for it",
  "a clone used for element and batch ops, ranges, reductions, locks and iteration stays usable: the runtime's own messages never move it",
  "element ops on other PEs' elements in a loop: every op applies, in call order per element, counted by waitAll, seen by a later batch op, even after the handle is dropped",
  "32-bit products wrap exactly; 'and' 'or' 'xor' fold integers, bigints and bools; floats refuse them",
];

export const CLOSURE_CASES = [
  'a closure runs on the target with its env and returns its value',
  "an inline execAmAll closure gathers every PE's value in PE order",
  'a closure with no return resolves to undefined after it ran on the target',
  'a closure that returns a closure runs the returned one on the origin',
  'closures launch closures: a ring of nested closures visits every PE and returns the path',
  'env carries every codec value type',
  "env carries handles (array, Darc, shared and one-sided region, team) that arrive as the receiver's own",
  'a closure reading an outer let is refused at the call, naming it and saying to pass it in env',
  'a closure using an imported binding is refused at the call',
  'a method using this, a bound function and a native function are refused at the call',
  'bad launches of closures throw at the call and send nothing',
  'a closure that throws rejects with RemoteAmError and the world goes on',
  'a closure whose source does not compile on the target rejects with RemoteAmError and the world goes on',
  'modules are reached with await import inside a closure',
  'closures compiled by tsx (named inner functions and classes, __name helpers) run',
  'teams, execAmLocal, AmGroup and TaskGroup accept closures; TypedAmGroup refuses one at its construction',
  'over 100k launches the source goes to each destination once and is compiled once per PE; later launches carry its id',
];

const COLLECTIVES_CASES = [
  'team collectives give exact values on every PE',
  'Promise.all over reductions, creations, team collectives and barriers gives each its own result',
  'concurrent team creations and team collectives on sub-teams keep their order',
  'a non-member handle launches AMs on the team and takes part in none of its collectives',
  'team collectives with bad input reject on every PE and the team stays usable',
  'a creation with bad input on one PE rejects on every PE and the team stays usable',
  'a dropped team refuses every use with USE_AFTER_RELEASE',
  'collectives left running when the team is dropped complete with their values, round after round',
  'distributed consumers left running when the team is dropped complete, round after round',
  'a consumer that fails on a sub-team names the failing PE by its world number',
];

const DARC_CASES = [
  'a Darc counter incremented by AMs from every PE ends at the expected count on each PE',
  "a Darc arrives in an AM as the receiving PE's own instance",
  'LocalRwDarc: concurrent readers and writers never see a torn update and every write counts',
  'GlobalRwDarc: writers on every PE exclude each other and readers never see a torn update',
  'collectiveWrite gives every PE its write guard at once and excludes other writers',
  "conversions round-trip through every kind, keep each PE's instance and retire the old handle",
  'a conversion waits until clones and guards on every PE are released',
  'mismatched collectives give COLLECTIVE_MISMATCH instead of hanging',
  'use after drop, bad arguments and released guards throw coded errors',
  'dropping a Darc while AMs holding it are in flight on other PEs never frees it early',
  'a clone kept from an AM keeps the Darc alive until it is dropped',
  "a clone sent in an AM's arguments, result or group entry moves into it, as in Lamellar: released once sent, so a conversion does not wait for it; a TypedAmGroup's static members stay",
  "a Darc owns the clones in its value: freed everywhere, it drops the Darcs, arrays and regions cloned into it, wherever in it they are",
  'a Darc passed to gather, allGather or broadcast is freed once every handle it made is dropped',
  'a Darc in a collective message waiting for a member that has not called the collective yet is not freed under it',
  "waitAll on a lock's keeper does not wait for other PEs' requests queued behind a guard (GlobalRwDarc, GlobalLockArray)",
  "AMs of one frame carrying the same Darc, array and region each own their handle: one AM's drop() leaves the others' usable",
  "a clone being converted and sent in an AM meanwhile stays the conversion's handle: the conversion completes",
  "the entries of one TypedAmGroup message carrying the same Darc each own their handle: one entry's drop() leaves the others'",
  "a failed execAmAll leaves alone a handle of the program's own that a returned AM gave back",
  "the handles in the other PEs' results of a failed execAmAll, AmGroup or TypedAmGroup are released, so the Darc is freed",
  "print shows the Darc's kind, id, this PE and its reference counts on this PE, one line",
  'guards an AM keeps through the handles it received are released when it ends, thrown or returned',
  'a conversion started in an AM from the handle it received finishes after the AM has returned',
  'read requests left queued by AMs that gave up are granted and released at once when the write guard goes, and the Darc still converts',
  'an AM that waits for a lock an earlier AM of the same frame kept, through the same Darcs, gets it once that AM has ended',
  'every collectiveWrite a PE has not joined fails when that PE drops its handle, not only the first',
];

const MEMREGION_CASES = [
  'put and get of every element type are exact at the first and last index of every PE part',
  'a multi-element put lands in order and putAll writes every PE',
  "an awaited put is in the target's memory once a barrier completes, round after round and at several sizes",
  "a put not awaited before a barrier is in the target's memory once the barrier completes, on regions, Unsafe and Atomic arrays",
  'a region whose data is on this PE is a put source; a one-sided one owned elsewhere or another type is refused',
  'get fills a region whose data is on this PE; a remote one-sided, out-of-range or released destination is refused at the call',
  'a one-sided region sent to another PE is filled there and the owner reads the values',
  "a region clone sent in an AM's arguments moves into it, as in Lamellar: released once sent",
  'a shared region sent in an AM arrives as a handle on the same memory',
  'bad calls throw coded errors at the call and touch nothing',
  'unsafeLocalData of a one-sided region is refused on a PE that does not own it',
  'mismatched allocSharedMemRegion calls throw COLLECTIVE_MISMATCH on every PE',
  'a region is freed on every PE only after the last handle is dropped',
  'a one-sided region stays valid for an AM that reads it after every handle was dropped',
  'a shared region on a sub-team addresses team PEs and is freed with the team members',
  'large puts and gets (memcpy-sized, up to 9 MiB) land exactly at an offset, on shared and one-sided regions',
  'waitAll() waits for unawaited puts and gets, on shared and one-sided regions',
  "a put's source is taken at the call: changing the buffer before the put resolves changes nothing that lands",
  "putAll from a source on this PE's own destination (a sub-region, a local view) sends every PE the same bytes",
  'a get whose destination is detached while in flight rejects with INVALID_ARGUMENT, and the PE goes on',
  "a view of this PE's part kept without its handle keeps the memory, and is freed with the handle once neither is reachable",
];

const PARITY_ARRAYS_CASES = [
  'one PE alone calls sum prod max min reduce; the others do not, and nothing hangs',
  'reduction bad inputs: unknown name, sum of bool, a released handle',
  'lock arrays: readLock guards reduce the whole array, writeLock guards give this PE part',
  'a GlobalLockArray write guard holds off every other PE element op',
  'batch forms: one index with many values, many indices with one value, and with one value each',
  'batch inputs: another array local data, a guard, an AtomicLocalData, a memory region, an iterable',
  'local chunks cover this PE part in order; a bad chunk size throws INVALID_ARGUMENT',
  'print is collective and prints every PE part in PE order, from PE 0',
  'array barrier, waitAll and execAm run on the array team',
  'put and get with memory regions (shared, one-sided, subRegion) and into a caller buffer',
  'bool arrays: load store swap compareExchange and bit ops; arithmetic and shifts are refused',
  'i128 and u128: arithmetic, bit ops and shifts wrap at 128 bits; values are bigint',
  'a 128-bit AtomicArray is generic (a lock per element): concurrent updates from every PE lose nothing',
  'bad inputs: wrong team, mismatched creates of the new types, use after drop',
  "print() and collectiveWriteLocalData() take both their meetings' numbers at the call: collectives called meanwhile match on every PE",
];

const PARITY_MISC_CASES = [
  'subRegion is a zero-copy window usable in put/get and sent in AMs',
  'WeakDarc: upgrade gives a Darc while any PE holds one, undefined once it is gone everywhere',
  'WeakDarc upgrades racing with the last drops never resurrect a freed Darc',
  'TypedAmGroup: results in insertion order, tagged with their PE; static members; batch-size sends',
  'TypedAmGroup and AmGroup wait for every entry and reject with the first failure in insertion order',
  'TypedAmGroup and AmGroup entries that return at once, after a turn, or fail either way: values and first failure in insertion order',
  'AmGroup and TypedAmGroup refuse arguments that cannot be sent when they are added, and nothing is sent',
  'a TypedAmGroup of an AM that returns an AM rejects with UNSUPPORTED_OP naming AmGroup; an AmGroup runs it',
  'a TypedAmGroup entry whose result cannot be sent, or whose then getter throws, fails alone under its own AM; every entry runs',
  "bad inputs that were accepted and dropped: static members that are not a plain object, a non-object entry beside them, a TaskGroup as a group's team, a closure's arguments under execAmLocal, a 'lamellar/' AM name",
];

const TEAM_CASES = [
  'a blocked team of the first half runs AMs and barriers',
  'a strided team of the even PEs runs AMs and barriers',
  'a 1-PE team of the world runs AMs and barriers',
  'a sub-team of a sub-team runs AMs and barriers',
  'ctx.team in an AM is the launching team',
  'team ids are the same on every member and unique, even for concurrent creations',
  'an invalid arch on some PEs rejects on every PE with a coded error and the parent still works',
  "a Team sent in an AM arrives as the receiver's own Team; a non-member refuses it",
  'arrays and Darcs on a team give its team-relative myPe and numPes',
  "AMs launched through a team just before its drop all run: the drop waits for them, as Lamellar's does",
  "an AM running on a member may launch through ctx.team after that member's drop() call, until the drop completes",
  "an AM fired through ctx.team by an AM that ran after its member's drop() call reaches a member that dropped too, and runs",
  'the end of an `await using` team scope waits for the AMs this PE launched through the team',
  'waitAll on a team waits for the AMs launched through it, not for others',
  'a Darc and a shared region on a team live on its members, at any depth',
];

const TEAM_MULTI_PE_CASES = [
  "a non-member's AM still running on a member when the members drop the team is told so when it launches through ctx.team",
  'a non-member that drops its handle forgets the team once the AMs it launched through it are done',
  'a team barrier involves members only',
  'creating teams in mismatched order fails with TEAM_MISMATCH on every PE',
  'after a mismatch the parents still create working teams',
  'a team region, Darc or array sent to a PE outside the team is refused there',
  "a member's drop() and the others' end of an await using scope are one drop",
];

export const WORLD_CASES = [
  'myPe and numPes match the launch',
  'barriers order phases',
  'writes before a barrier are visible to every PE after it',
  'a thousand barriers in a row complete',
  'overlapping barrier calls are serialized',
  'initWorld twice throws ALREADY_INITIALIZED',
  'initWorld rejects an unknown backend option',
  'initWorld rejects a stats option that is not a boolean, before ALREADY_INITIALIZED',
  'waitAll with nothing outstanding resolves',
  "array ops after shutdown throw WORLD_SHUT_DOWN at the call, naming the method, and apply nothing",
  'memory region puts and gets after shutdown throw WORLD_SHUT_DOWN at the call and apply nothing',
  'Darc conversions and GlobalRwDarc locks after shutdown are refused with WORLD_SHUT_DOWN, and the handles can still be dropped',
  'barrier after shutdown throws WORLD_SHUT_DOWN',
  'an AM that reaches a PE after its own waitAll in shutdown, and launches more there, runs to its end',
  "a team's `await using` scope that ends after world.shutdown() does nothing",
];

/** am-throws.ts: any thrown value becomes a RemoteAmError at the caller and the target lives on. */
export const AM_THROWS_CASES = [
  'every generated thrown value reaches the caller as a RemoteAmError, and every PE lives on',
  'execAmAll of a thrower rejects with the RemoteAmError of one member',
  'a huge error message arrives cut to a bounded size, saying so',
  "RemoteAmError.stack shows the remote stack and the user's launching line (or says how to record it)",
  'an execAmLocal AM and a returned AM that throw reject with the thrown value itself, not a RemoteAmError',
];

/** lock-ops.ts: waitAll covers queued ops and guard releases; many concurrent ops on one lock. */
const LOCK_OPS_CASES = ['LocalLockArray', 'GlobalLockArray'].flatMap((kind) => [
  `${kind}: waitAll() then barrier() sees all 2000 un-awaited adds of every PE`,
  `${kind}: ops queued behind this PE's write guard are covered by waitAll() once it is released`,
  `${kind}: shutdown-style waitAll covers guard releases: a write guard released without await frees the lock`,
]);

/** misuse.ts: misuse detected at the call (issue #11). */
const MISUSE_CASES = [
  'waitAll() inside an AM or a closure fails at once with WAIT_ALL_IN_AM, wherever it is called; a TaskGroup waitAll works',
  'batch ops take BigInt64Array indices; a bigint in a plain index array is TYPE_MISMATCH and applies nothing',
  'GlobalLockArray guards released without awaiting never reject unhandled, and free the lock',
  "a sub-team's waitAll() inside an AM fails at once with WAIT_ALL_IN_AM, also when every PE launches to its neighbour",
];

/** tcp-rdma.ts: the memory contract of tcp and ofi (and of shmem, for comparison). */
export const RDMA_CASES = [
  'put and get round-trip every size from 1 byte to 3 MiB on every PE',
  'remote integer atomics return the previous value',
  'every PE adding to one remote word loses no update',
  'atomics whose target floods their origin with puts meanwhile apply exactly once',
  'a put or get outside the target heap rejects with INDEX_OUT_OF_BOUNDS',
  'a 2 MiB AM argument (a frame of many wire chunks) arrives whole',
  'memory requests are served while the target is busy in synchronous code',
];
const RDMA_CONFIGS = CONFIGS.filter((c) => c.backend === 'tcp' || c.backend === 'ofi' || (c.backend === 'shmem' && c.numPes === 2));

/** teams.ts: the cases that need non-members or disagreeing PEs run only with two PEs or more. */
const TEAMS_ONE_PE = CONFIGS.filter((c) => c.numPes === 1);
const TEAMS_MULTI_PE = CONFIGS.filter((c) => c.numPes > 1);

/** In the order they run in a bundle; world.ts shuts the world down, so it comes last. */
export const SUITES: Suite[] = [
  { file: 'am.ts', cases: AM_CASES, configs: CONFIGS },
  { file: 'am-throws.ts', cases: AM_THROWS_CASES, configs: FAILURE_CONFIGS },
  { file: 'am-million.ts', cases: AM_MILLION_CASES, configs: CONFIGS },
  { file: 'array-misc.ts', cases: ARRAY_MISC_CASES, configs: CONFIGS },
  { file: 'closure.ts', cases: CLOSURE_CASES, configs: NO_WIDE_TCP },
  { file: 'collectives.ts', cases: COLLECTIVES_CASES, configs: CONFIGS },
  { file: 'darc.ts', cases: DARC_CASES, configs: CONFIGS },
  { file: 'lock-ops.ts', cases: LOCK_OPS_CASES, configs: FAILURE_CONFIGS },
  { file: 'memregion.ts', cases: MEMREGION_CASES, configs: CONFIGS },
  { file: 'misuse.ts', cases: MISUSE_CASES, configs: FAILURE_CONFIGS },
  { file: 'parity-arrays.ts', cases: PARITY_ARRAYS_CASES, configs: NO_WIDE_TCP },
  { file: 'parity-misc.ts', cases: PARITY_MISC_CASES, configs: NO_WIDE_TCP },
  { file: 'tcp-rdma.ts', cases: RDMA_CASES, configs: RDMA_CONFIGS },
  { file: 'teams.ts', cases: TEAM_CASES, configs: TEAMS_ONE_PE },
  { file: 'teams.ts', cases: [...TEAM_CASES, ...TEAM_MULTI_PE_CASES], configs: TEAMS_MULTI_PE },
  { file: 'world.ts', cases: WORLD_CASES, configs: CONFIGS },
];
