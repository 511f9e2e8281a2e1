/**
 * bfs: breadth-first search with one active message per remote edge, the way a first-time user
 * writes it (and the pattern behind the round-2 issue's fine-grained AM gap).
 *
 * The graph is deterministic: `vertices` vertices per PE, laid out cyclically (global vertex v on
 * PE v % P at local index ⌊v / P⌋), each with `degree` out-edges to hash(v, k) mod (P × vertices).
 * Each PE builds its own vertices' adjacency before timing. Level-synchronous from vertex 0: every
 * PE walks its frontier; an edge to one of its own vertices is visited in place, any other edge
 * is one `execAmPe(owner, Visit, target)` fired and forgotten; then `waitAll()`, a barrier, and
 * an allReduce of the new frontier sizes decide whether another level follows.
 *
 *   am_per_edge        the AM's argument is the target vertex (a number); levels in a module array
 *   am_per_edge_pair   the argument is [table, target]: a plain number where the handle variants
 *                      put their handle (an index into a module list holding the levels), so the
 *                      handle's own cost is the handle variants' ratio to this one (`vs_pair`)
 *   am_per_edge_array  the argument is [levels, target]: the levels live in an UnsafeArray whose
 *                      handle travels in every AM, and the AM writes through its unsafeLocalData()
 *   am_per_edge_darc   the argument is [state, target], state a Darc holding the levels
 *
 * The variants run rep by rep in turn (so each sees the same load on a shared machine); the
 * other variants' ratio_to_baseline is against am_per_edge. MUPS counts edges traversed (every
 * edge out of every reached vertex, local or remote) per second over all PEs; `ams` is the number
 * of AMs one rep sent. Verified: every PE's levels equal those of a sequential BFS of the same
 * graph (each PE recomputes it), after every rep.
 *
 *   npx lamellar run -N 2 --backend shmem bench/kernels/bfs.ts [--quick|--full] [--vertices N] [--degree N] [--reps N]
 */
import { Darc, defineAm, initWorld, UnsafeArray } from 'lamellar';
import { parseSizes, Reporter, verify } from '../lib/harness.js';
import { profiled } from '../lib/phase-profile.js';

const { mode, sizes } = parseSizes({
  quick: { vertices: 200_000, degree: 8, reps: 3 },
  full: { vertices: 1_000_000, degree: 8, reps: 5 },
});

/** Where this PE's levels and next frontier live while a level is being expanded. */
interface BfsState {
  level: Int32Array;
  next: Uint32Array;
  nextLen: number;
  /** The level being expanded: a visited vertex gets depth + 1. */
  depth: number;
}

let P = 1;
const st: BfsState = { level: new Int32Array(0), next: new Uint32Array(0), nextLen: 0, depth: 0 };

function visit(s: BfsState, level: Int32Array, i: number): void {
  if (level[i]! < 0) {
    level[i] = s.depth + 1;
    s.next[s.nextLen++] = i;
  }
}

const Visit = defineAm('bench/bfs/visit', (_ctx, v: number) => visit(st, st.level, (v / P) | 0));
/** The levels by table number, for the pair variant's plain-number stand-in for a handle. */
const tables: Int32Array[] = [];
const VisitPair = defineAm('bench/bfs/visit-pair', (_ctx, a: [number, number]) => visit(st, tables[a[0]]!, (a[1] / P) | 0));
const VisitArray = defineAm('bench/bfs/visit-array', (_ctx, a: [UnsafeArray<'i32'>, number]) => visit(st, a[0].unsafeLocalData(), (a[1] / P) | 0));
const VisitDarc = defineAm('bench/bfs/visit-darc', (_ctx, a: [Darc<BfsState>, number]) => {
  const s = a[0].value;
  visit(s, s.level, (a[1] / P) | 0);
});

/** Out-neighbour k of global vertex v: a murmur3-style finalizer of (v, k), mod n. */
function neighbor(v: number, k: number, n: number): number {
  let h = Math.imul(v, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % n;
}

/** Levels of every global vertex by a sequential BFS from vertex 0 (-1: unreachable). */
function referenceLevels(n: number, degree: number): Int32Array {
  const level = new Int32Array(n).fill(-1);
  let frontier = new Uint32Array(n);
  let next = new Uint32Array(n);
  let len = 1;
  level[0] = 0;
  frontier[0] = 0;
  for (let d = 0; len > 0; d++) {
    let nlen = 0;
    for (let i = 0; i < len; i++) {
      const v = frontier[i]!;
      for (let k = 0; k < degree; k++) {
        const u = neighbor(v, k, n);
        if (level[u]! < 0) {
          level[u] = d + 1;
          next[nlen++] = u;
        }
      }
    }
    [frontier, next] = [next, frontier];
    len = nlen;
  }
  return level;
}

const world = await initWorld();
const report = new Reporter({ myPe: world.myPe, numPes: world.numPes, backend: world.backend, mode });
P = world.numPes;
const me = world.myPe;
const N = sizes.vertices;
const D = sizes.degree;
const total = N * P;

// This PE's adjacency (global vertex ids), before timing.
const adj = new Uint32Array(N * D);
for (let i = 0; i < N; i++) for (let k = 0; k < D; k++) adj[i * D + k] = neighbor(i * P + me, k, total);

const levels = await UnsafeArray.create(world, { type: 'i32', length: total, distribution: 'cyclic' });
st.level = levels.unsafeLocalData();
tables.push(st.level);
st.next = new Uint32Array(N);
const darc = await Darc.create(world, st);

type Variant = 'am_per_edge' | 'am_per_edge_pair' | 'am_per_edge_array' | 'am_per_edge_darc';
const variants: Variant[] = ['am_per_edge', 'am_per_edge_pair', 'am_per_edge_array', 'am_per_edge_darc'];

/** One BFS; returns [seconds, edges this PE traversed, AMs this PE sent]. */
async function bfs(variant: Variant): Promise<[number, number, number]> {
  st.level.fill(-1);
  st.nextLen = 0;
  st.depth = 0;
  let frontier: Uint32Array = new Uint32Array(N);
  let flen = 0;
  if (me === 0) {
    st.level[0] = 0;
    frontier[flen++] = 0;
  }
  let edges = 0;
  let ams = 0;
  await world.barrier();
  const t0 = performance.now();
  for (;;) {
    const level = st.level;
    for (let f = 0; f < flen; f++) {
      const base = frontier[f]! * D;
      for (let k = 0; k < D; k++) {
        const u = adj[base + k]!;
        const owner = u % P;
        if (owner === me) visit(st, level, (u / P) | 0);
        else {
          if (variant === 'am_per_edge') world.execAmPe(owner, Visit, u);
          else if (variant === 'am_per_edge_pair') world.execAmPe(owner, VisitPair, [0, u]);
          else if (variant === 'am_per_edge_array') world.execAmPe(owner, VisitArray, [levels, u]);
          else world.execAmPe(owner, VisitDarc, [darc, u]);
          ams++;
        }
      }
    }
    edges += flen * D;
    await world.waitAll();
    // Every PE's AMs of this level have run everywhere before anyone reads its next frontier.
    await world.barrier();
    const found = await world.allReduce(st.nextLen, 'sum');
    if (found === 0) break;
    [frontier, st.next] = [st.next, frontier];
    flen = st.nextLen;
    st.nextLen = 0;
    st.depth++;
    // No PE sends an AM of the next level before every PE has moved to it.
    await world.barrier();
  }
  const secs = (performance.now() - t0) / 1000;
  return [secs, edges, ams];
}

const reference = referenceLevels(total, D);
function check(variant: Variant): void {
  let bad = 0;
  for (let i = 0; i < N; i++) if (st.level[i] !== reference[i * P + me]) bad++;
  verify(bad === 0, `bfs ${variant}: ${bad} of PE ${me}'s ${N} vertices have the wrong level`);
}

await bfs('am_per_edge');
check('am_per_edge');
const secs = variants.map((): number[] => []);
const work = variants.map((): [number, number] => [0, 0]);
await profiled('bfs', me, async () => {
  for (let rep = 0; rep < sizes.reps; rep++) {
    for (let k = 0; k < variants.length; k++) {
      const [s, edges, ams] = await bfs(variants[k]!);
      check(variants[k]!);
      secs[k]!.push(s);
      work[k] = [edges, ams];
    }
  }
});
// Every rep of every variant traverses the same edges and sends the same AMs.
const counts = await world.allReduce(new Float64Array(work.flat()), 'sum');
let baseline: { variant: string; opsPerSec: number } | undefined;
let pairOps: number | undefined;
for (let k = 0; k < variants.length; k++) {
  const edges = counts[2 * k]!;
  const v = variants[k]!;
  report.begin('bfs', v);
  // Each handle variant's rate over the pair's: what the handle costs over a number in its place.
  const handle = v === 'am_per_edge_array' || v === 'am_per_edge_darc';
  // As ratio_to_baseline, from each variant's best rep.
  const vsPair: Record<string, number> = handle && pairOps !== undefined ? { vs_pair: Number((edges / Math.min(...secs[k]!) / pairOps).toFixed(3)) } : {};
  const opsPerSec = report.emit({
    name: 'bfs', variant: v, updatesPerPe: N * D, tableSizePerPe: N, secs: secs[k]!, ops: edges, bytes: k === 0 ? 8 : 0, verified: true, baseline,
    extra: { degree: D, ams: counts[2 * k + 1]!, levels: reference.reduce((m, l) => Math.max(m, l), 0) + 1, ...vsPair },
  });
  baseline ??= { variant: v, opsPerSec };
  if (v === 'am_per_edge_pair') pairOps = opsPerSec;
}
await darc.drop();
await levels.drop();
await world.shutdown();
