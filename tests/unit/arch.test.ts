/**
 * Team archs: the parent↔team mappings of BlockedArch, StridedArch and custom archs, with the
 * expected values of Lamellar's own unit tests (lamellar_arch.rs: global_arch,
 * sub_arch_stride_1/2/3, multi_level_sub_arches), and the checks that reject archs that do not
 * fit their parent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, isLamellarError, type ErrorCodeValue } from '../../src/core/index.js';
import { BlockedArch, resolveArch, StridedArch, type LamellarArch } from '../../src/team/arch.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** World ids of a team made by applying `archs` one inside the other, starting from a world of `worldPes`. */
function worldPes(worldSize: number, ...archs: LamellarArch[]): number[] {
  let pes = range(worldSize);
  for (const arch of archs) {
    const parent = pes;
    pes = resolveArch(arch, parent.length).map((p) => parent[p]!);
  }
  return pes;
}

const rejects = (fn: () => unknown, code: ErrorCodeValue, match?: RegExp): void =>
  assert.throws(fn, (e: unknown) => isLamellarError(e, code) && (match === undefined || match.test(e.message)));

test('global arch: a block of the whole world is the identity (global_arch)', () => {
  const arch = new BlockedArch(0, 10);
  assert.deepEqual(worldPes(10, arch), range(10));
  assert.equal(arch.parentPe(0), 0);
  assert.equal(arch.parentPe(3), 3);
  assert.equal(arch.startPe, 0);
  assert.equal(arch.endPe, 9);
});

test('StridedArch(0, 1, 5) in a world of 10 (sub_arch_stride_1)', () => {
  const arch = new StridedArch(0, 1, 5);
  assert.equal(arch.numPes, 5);
  assert.equal(arch.parentPe(0), 0);
  assert.equal(arch.parentPe(3), 3);
  rejects(() => arch.parentPe(7), ErrorCode.PE_OUT_OF_RANGE);
  assert.deepEqual(worldPes(10, arch), [0, 1, 2, 3, 4]);
});

test('StridedArch with stride 2 in a world of 10 (sub_arch_stride_2)', () => {
  const even = new StridedArch(0, 2, 5);
  assert.equal(even.parentPe(0), 0);
  assert.equal(even.parentPe(2), 4);
  rejects(() => even.parentPe(7), ErrorCode.PE_OUT_OF_RANGE);
  assert.deepEqual(worldPes(10, even), [0, 2, 4, 6, 8]);
  const odd = new StridedArch(1, 2, 5);
  assert.equal(odd.parentPe(0), 1);
  assert.equal(odd.parentPe(2), 5);
  rejects(() => odd.parentPe(7), ErrorCode.PE_OUT_OF_RANGE);
  assert.deepEqual(worldPes(10, odd), [1, 3, 5, 7, 9]);
});

test('StridedArch with stride 3 in a world of 11 (sub_arch_stride_3)', () => {
  const a = new StridedArch(0, 3, 4);
  assert.equal(a.parentPe(2), 6);
  assert.deepEqual(worldPes(11, a), [0, 3, 6, 9]);
  const b = new StridedArch(1, 3, 4);
  assert.equal(b.parentPe(0), 1);
  assert.equal(b.parentPe(2), 7);
  assert.equal(b.endPe, 10);
  assert.deepEqual(worldPes(11, b), [1, 4, 7, 10]);
  const c = new StridedArch(2, 3, 3);
  assert.equal(c.parentPe(2), 8);
  rejects(() => c.parentPe(7), ErrorCode.PE_OUT_OF_RANGE);
  assert.deepEqual(worldPes(11, c), [2, 5, 8]);
});

test('strided inside strided in a world of 20 (multi_level_sub_arches)', () => {
  assert.deepEqual(worldPes(20, new StridedArch(0, 2, 10), new StridedArch(0, 2, 5)), [0, 4, 8, 12, 16]);
  assert.deepEqual(worldPes(20, new StridedArch(0, 2, 10), new StridedArch(1, 2, 5)), [2, 6, 10, 14, 18]);
});

test('blocked archs, alone and nested (the doc examples and sub-blocks)', () => {
  const arch = new BlockedArch(4, 5);
  assert.deepEqual(worldPes(10, arch), [4, 5, 6, 7, 8]);
  assert.equal(arch.startPe, 4);
  assert.equal(arch.endPe, 8);
  assert.deepEqual(worldPes(20, new StridedArch(0, 4, 5)), [0, 4, 8, 12, 16]);
  assert.deepEqual(worldPes(10, new BlockedArch(2, 6), new BlockedArch(1, 3)), [3, 4, 5]);
  assert.deepEqual(worldPes(10, new BlockedArch(2, 6), new BlockedArch(1, 3), new StridedArch(0, 2, 2)), [3, 5]);
  assert.deepEqual(worldPes(20, new StridedArch(1, 2, 10), new BlockedArch(5, 5)), [11, 13, 15, 17, 19]);
  assert.deepEqual(worldPes(1, new BlockedArch(0, 1)), [0]);
});

test('teamPe is the inverse of parentPe and undefined for non-members', () => {
  const b = new BlockedArch(4, 5);
  assert.equal(b.teamPe(6), 2);
  for (const p of [3, 9, -1, 4.5]) assert.equal(b.teamPe(p), undefined, `BlockedArch teamPe(${p})`);
  const s = new StridedArch(1, 2, 5);
  assert.equal(s.teamPe(5), 2);
  for (const p of [0, 4, 11, 13]) assert.equal(s.teamPe(p), undefined, `StridedArch teamPe(${p})`);
  for (const arch of [b, s, new StridedArch(2, 3, 3)]) {
    for (let i = 0; i < arch.numPes; i++) assert.equal(arch.teamPe(arch.parentPe(i)), i);
  }
});

test('archs beyond their parent are rejected with PE_OUT_OF_RANGE', () => {
  rejects(() => resolveArch(new BlockedArch(0, 11), 10), ErrorCode.PE_OUT_OF_RANGE, /parent team of 10 PE/);
  rejects(() => resolveArch(new BlockedArch(5, 6), 10), ErrorCode.PE_OUT_OF_RANGE, /5\.\.10/);
  rejects(() => resolveArch(new StridedArch(1, 2, 6), 10), ErrorCode.PE_OUT_OF_RANGE, /StridedArch\(1, 2, 6\)/);
  rejects(() => resolveArch(new BlockedArch(1, 1), 1), ErrorCode.PE_OUT_OF_RANGE);
  rejects(() => worldPes(20, new StridedArch(0, 2, 10), new BlockedArch(5, 6)), ErrorCode.PE_OUT_OF_RANGE);
  rejects(() => worldPes(20, new StridedArch(0, 2, 10), new StridedArch(1, 2, 6)), ErrorCode.PE_OUT_OF_RANGE);
});

test('arch constructors reject bad numbers with INVALID_ARGUMENT', () => {
  rejects(() => new BlockedArch(-1, 2), ErrorCode.INVALID_ARGUMENT, /startPe/);
  rejects(() => new BlockedArch(0, 0), ErrorCode.INVALID_ARGUMENT, /numPes/);
  rejects(() => new BlockedArch(1.5, 2), ErrorCode.INVALID_ARGUMENT);
  rejects(() => new BlockedArch('0' as unknown as number, 2), ErrorCode.INVALID_ARGUMENT);
  rejects(() => new StridedArch(0, 0, 3), ErrorCode.INVALID_ARGUMENT, /stride/);
  rejects(() => new StridedArch(0, 2, Number.NaN), ErrorCode.INVALID_ARGUMENT);
});

/** Lamellar's BlockStridedArch (examples/team_examples/custom_team_arch.rs): blocks of `block` PEs, every `stride`-th block. */
class BlockStridedArch implements LamellarArch {
  constructor(
    readonly startPe: number,
    readonly stride: number,
    readonly block: number,
    readonly numPes: number,
  ) {}
  get endPe(): number {
    return this.parentPe(this.numPes - 1);
  }
  parentPe(teamPe: number): number {
    return this.startPe + Math.floor(teamPe / this.block) * this.stride * this.block + (teamPe % this.block);
  }
  teamPe(parentPe: number): number | undefined {
    const d = parentPe - this.startPe;
    if (d < 0) return undefined;
    const span = this.stride * this.block;
    if (d % span >= this.block) return undefined;
    const t = Math.floor(d / span) * this.block + (d % span);
    return t < this.numPes ? t : undefined;
  }
}

/** A fixed permutation of parent PEs, like Lamellar's RandomArch. */
const listArch = (pes: number[], over: Partial<LamellarArch> = {}): LamellarArch => ({
  numPes: pes.length,
  startPe: Math.min(...pes),
  endPe: Math.max(...pes),
  parentPe: (t) => pes[t]!,
  teamPe: (p) => (pes.includes(p) ? pes.indexOf(p) : undefined),
  ...over,
});

test('custom archs: block-strided and permuted layouts resolve in team order', () => {
  assert.deepEqual(worldPes(12, new BlockStridedArch(0, 3, 3, 6)), [0, 1, 2, 9, 10, 11]);
  assert.deepEqual(worldPes(4, new BlockStridedArch(1, 2, 1, 2)), [1, 3]);
  assert.deepEqual(worldPes(8, new BlockStridedArch(0, 2, 2, 4)), [0, 1, 4, 5]);
  assert.deepEqual(worldPes(6, listArch([4, 0, 3])), [4, 0, 3]);
  assert.deepEqual(worldPes(20, new StridedArch(0, 2, 10), listArch([9, 1, 5])), [18, 2, 10]);
});

test('custom archs that contradict themselves are rejected with INVALID_ARGUMENT', () => {
  rejects(() => resolveArch({} as LamellarArch, 4), ErrorCode.INVALID_ARGUMENT, /LamellarArch/);
  rejects(() => resolveArch(listArch([1, 1]), 4), ErrorCode.INVALID_ARGUMENT, /twice/);
  // The message reads in the order the check runs: team PE 1 -> parent PE 2 -> back to team PE 0.
  assert.throws(() => resolveArch(listArch([0, 2], { teamPe: () => 0 }), 4), {
    code: ErrorCode.INVALID_ARGUMENT,
    message: 'Object arch: teamPe(parentPe(1)) is 0, expected 1 (parentPe(1) is 2, teamPe(2) is 0); teamPe must be the inverse of parentPe',
  });
  rejects(() => resolveArch(listArch([0, 3], { endPe: 2 }), 4), ErrorCode.INVALID_ARGUMENT, /outside its own range/);
  rejects(() => resolveArch(listArch([0, 1], { numPes: 0 }), 4), ErrorCode.INVALID_ARGUMENT, /numPes/);
  rejects(() => resolveArch(listArch([2, 1], { startPe: 2, endPe: 1 }), 4), ErrorCode.INVALID_ARGUMENT, /endPe/);
  rejects(() => resolveArch(listArch([0, 7]), 4), ErrorCode.PE_OUT_OF_RANGE);
});
