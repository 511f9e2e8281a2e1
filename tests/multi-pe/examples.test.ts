/**
 * Every example under examples/ (files starting with _ excluded) runs on 4 shmem PEs, as its
 * header says (`lamellar run -N 4`), exits 0, and prints its key results with the right values:
 * each example has a check below that recomputes what it must print for that PE count, so an
 * example that computes or claims something wrong fails here. Examples whose arithmetic depends
 * on how the work divides among the PEs also run on 3 PEs. A new example needs a check.
 *
 * hello_world.ts runs as written, through the launcher's tsx loader; the others run as their
 * JavaScript copies (helpers/compiled.ts), which saves loading tsx in each of some 130 PEs. What
 * they print is the same: the check is of the runtime, and `npm run typecheck` checks the
 * examples' types.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { compiled } from '../helpers/compiled.js';
import { ROOT, runJob } from '../helpers/job.js';

function* examples(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* examples(p);
    else if (name.endsWith('.ts') && !name.startsWith('_')) yield p;
  }
}

const range = (k: number, from = 0): number[] => Array.from({ length: k }, (_, i) => from + i);
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What an example printed, with assertions that name the example's output when they fail. */
class Output {
  readonly lines: string[];
  constructor(readonly text: string) {
    this.lines = text.split('\n').map((l) => l.trimEnd());
  }
  /** The exact line is printed (once or more). */
  has(line: string): void {
    assert.ok(this.lines.includes(line), `expected the line\n  ${line}\nin the output:\n${this.text}`);
  }
  /** The lines matching `re`, each matched exactly `count` times in all if given. */
  matching(re: RegExp, count?: number): RegExpMatchArray[] {
    const found = this.lines.map((l) => l.match(re)).filter((m): m is RegExpMatchArray => m !== null);
    if (count !== undefined) assert.equal(found.length, count, `expected ${count} line(s) matching ${re} in the output:\n${this.text}`);
    return found;
  }
  /** Exactly one line matches `re`. */
  one(re: RegExp): RegExpMatchArray {
    return this.matching(re, 1)[0]!;
  }
}

interface ExampleCheck {
  check(out: Output, n: number): void;
  /** More PE counts to run on, besides 4. */
  alsoOn?: number[];
}

/** Team PE t of a BlockStridedArch (examples/teams/custom_team_arch.ts) is this parent PE. */
const blockStrided = (start: number, stride: number, block: number, k: number): number[] =>
  range(k).map((t) => start + Math.floor(t / block) * stride * block + (t % block));

/** Lamellar's block layout: the team PE holding index g of `len` elements on n PEs. */
function blockOwner(g: number, len: number, n: number): number {
  const L = Math.max(len, n);
  const e = Math.floor(L / n);
  const r = L % n;
  return g < r * (e + 1) ? Math.floor(g / (e + 1)) : r + Math.floor((g - r * (e + 1)) / e);
}
/** The indices of `len` elements that PE `pe` holds, in order. */
const partOf = (pe: number, len: number, n: number, dist: 'block' | 'cyclic'): number[] =>
  range(len).filter((g) => (dist === 'cyclic' ? g % n : blockOwner(g, len, n)) === pe);
const pairs = (xs: [number, number | string][]): string => xs.map(([a, b]) => `${a}:${b}`).join(' ');

const CHECKS: Record<string, ExampleCheck> = {
  'hello_world.ts': {
    check: (out, n) => range(n).forEach((pe) => out.has(`Hello from PE ${pe} of ${n} (shmem)`)),
  },

  'active_messages/am_group.ts': {
    alsoOn: [3],
    check(out, n) {
      for (let i = 0; i < 12; i++) {
        out.has(i % 4 === 0 ? `entry ${i}: all PEs: ${range(n).map((pe) => `${i * i}@${pe}`).join(' ')}` : `entry ${i}: ${i * i}@PE ${i % n}`);
      }
      for (const pe of range(n)) {
        // Every PE bumps PE i % n for i in 0..999, so PE pe is bumped n times its share.
        const got = n * range(1000).filter((i) => i % n === pe).length;
        out.has(`PE ${pe}: counter = ${got} (expected ${got})`);
      }
    },
  },

  'active_messages/am_return_am.ts': {
    check: (out, n) =>
      range(n).forEach((pe) => out.has(`PE ${pe} -> PE ${(pe + 1) % n}: pong ran on PE ${pe} (origin), sent by PE ${(pe + 1) % n}, after 1 hop(s)`)),
  },

  'active_messages/am_return_value.ts': {
    alsoOn: [3],
    check(out, n) {
      const sum = (1_000_000 * 999_999) / 2;
      range(n).forEach((pe) => out.has(`PE ${pe} summed [0, 1000000) = ${sum}`));
      out.has(`distributed sum of [0, 1000000) = ${sum} (expected ${sum})`);
    },
  },

  'active_messages/closure_am.ts': {
    check(out, n) {
      range(n).forEach((pe) => {
        const m = out.one(new RegExp(`^PE ${pe}: heap used (\\d+\\.\\d) MiB, process rss (\\d+\\.\\d) MiB$`));
        assert.ok(Number(m[1]) > 0 && Number(m[2]) >= Number(m[1]), `PE ${pe}: heap ${m[1]} MiB, rss ${m[2]} MiB`);
      });
      out.has(`gathered the memory use of ${n} PE(s)`);
      range(n).forEach((pe) => {
        const next = (pe + 1) % n;
        out.has(`PE ${pe}: PE ${next} answered ${next * 100}`);
        out.has(`PE ${pe}: hello from PE ${next} (has CPUs), read on PE ${pe}`);
      });
    },
  },

  'active_messages/hello_world_am.ts': {
    check: (out, n) =>
      range(n).forEach((from) => range(n).forEach((pe) => out.has(`[from PE ${from}'s view] PE ${pe} of ${n} got hello from PE ${from}`))),
  },

  'active_messages/recursive_am.ts': {
    check: (out, n) => range(n).forEach((pe) => out.has(`PE ${pe}: visited ${range(n + 1).map((i) => (pe + i) % n).join(' -> ')}`)),
  },

  'arrays/array_ops.ts': {
    check(out, n) {
      const saw = Number(out.one(new RegExp(`^fetchAdd\\(3\\) saw (\\d+); element 3 = ${n} \\(expected ${n}\\)$`))[1]);
      assert.ok(saw < n, `fetchAdd saw ${saw}, more than the ${n - 1} adds before it`);
      out.has(`elements 0..2 = ${10 * n}, ${20 * n}, ${30 * n} (expected ${10 * n}, ${20 * n}, ${30 * n})`);
      out.has(`element 9 = ${'1'.repeat(n)} in binary (one bit per PE)`);
      const won = out.matching(/^PE (\d+): compareExchange on element 0 won$/, 1)[0]!;
      const winner = Number(won[1]);
      range(n).filter((pe) => pe !== winner).forEach((pe) => out.has(`PE ${pe}: compareExchange on element 0 lost to PE ${winner}`));
      const first = n * 0.25 * 2 ** n;
      out.has(`f64 after every PE added 0.25, then multiplied element 0 by 2: ${[first, n * 0.25, n * 0.25, n * 0.25].join(', ')} (expected ${first}, then ${n * 0.25})`);
    },
  },

  'arrays/array_put_get.ts': {
    check(out, n) {
      const len = 5 * n + 3;
      for (const dist of ['block', 'cyclic']) {
        const parts = range(n).map((pe) => {
          const m = out.one(new RegExp(`^PE ${pe} ${dist}: get of ${len} elements correct; subArray\\(2, 6\\) = 4, 9, 16, 25; local part ([\\d,]*)$`));
          return m[1]!.split(',').map(Number);
        });
        if (dist === 'cyclic') parts.forEach((p, pe) => assert.deepEqual(p, range(len).filter((i) => i % n === pe).map((i) => i * i)));
        else assert.deepEqual(parts.flat(), range(len).map((i) => i * i), 'block: the local parts in PE order are the whole array');
      }
    },
  },

  'arrays/dist_array_reduce.ts': {
    check(out, n) {
      const v = range(20).map((i) => (i % 3 === 0 ? -(i + 1) : i + 1));
      const minAbs = v.reduce((acc, x) => (Math.abs(x) < Math.abs(acc) ? x : acc));
      // One-sided: only PE 0 asked, so only PE 0 prints the results.
      out.matching(/: sum -?\d+, max/, 1);
      out.has(`PE 0: sum ${v.reduce((a, b) => a + b)}, max ${Math.max(...v)}, min ${Math.min(...v)}, my_min_abs ${minAbs}`);
      range(n).forEach((pe) => out.has(`PE ${pe}: prod of elements 1..5 = -720 (expected -720)`));
    },
  },

  'arrays/array_batch_add.ts': {
    check(out, n) {
      const forms = ['many indices, one value', 'one index, many values', 'one value per index', 'buffered AMs'];
      const sums = forms.map((f) => {
        const m = out.one(new RegExp(`^${esc(f)}: sum (\\d+) \\(expected (\\d+)\\)$`));
        assert.equal(m[1], m[2], `${f}: the sum is the expected one`);
        return Number(m[1]);
      });
      assert.equal(sums[0], 100_000 * n);
      assert.equal(sums[1], 100_000 * n + 2000 * n);
      assert.equal(sums[3]! - sums[2]!, 100_000 * n, 'the buffered AMs added one per index');
    },
  },

  'arrays/array_am.ts': {
    check(out, n) {
      const len = 100;
      const per = Math.floor(len / n);
      const owner = (pe: number): number[] => range(Math.floor(len / n) + (pe < len % n ? 1 : 0), pe * per + Math.min(pe, len % n));
      range(n).forEach((pe) => out.has(`PE ${pe}: local part ${owner(pe).length} elements, all 255: true`));
      const value = (i: number): number => (i < n * per ? i % n : 255);
      range(n).forEach((pe) => out.has(`[pe ${pe} data] [${owner(pe).map(value).join(', ')}]`));
      const sum = range(len).map(value).reduce((a, b) => a + b, 0);
      out.has(`sum: ${sum} (expected ${sum})`);
    },
  },

  'arrays/global_lock_array.ts': {
    check(out, n) {
      const count = (pe: number): number => Math.floor(100 / n) + (pe < 100 % n ? 1 : 0);
      range(n).forEach((pe) => {
        out.one(new RegExp(`^0\\. PE${pe} time: [\\d.]+ read guard on ${count(pe)} elements$`));
        out.one(new RegExp(`^1\\. PE${pe} time: [\\d.]+ got write lock$`));
        out.one(new RegExp(`^3\\. PE${pe} time: [\\d.]+ got collective write lock$`));
        out.has(`[pe ${pe} data] [${new Array(count(pe)).fill(pe).join(', ')}]`);
        out.has(`[pe ${pe} data] [${new Array(count(pe)).fill(2 * pe).join(', ')}]`);
      });
      const sum = range(n).reduce((a, pe) => a + 2 * pe * count(pe), 0);
      range(n).forEach((pe) => out.has(`5. PE${pe}: under the read lock, sum ${sum}, max ${2 * (n - 1)}`));
      // Write guards take turns: their grant times are all different.
      const times = out.matching(/^1\. PE\d+ time: ([\d.]+) got write lock$/, n).map((m) => m[1]);
      assert.equal(new Set(times).size, n);
      // The distributed iteration under the read guards, then the mutable one adding the index.
      range(n).forEach((pe) => {
        const part = partOf(pe, 100, n, 'block');
        out.has(`6. PE${pe}: under the read lock, ${part.map((i) => `${i}:${2 * pe}`).join(' ')}`);
        out.has(`7. PE${pe}: added each element's index`);
        out.has(`[pe ${pe} data] [${part.map((i) => 2 * pe + i).join(', ')}]`);
      });
    },
  },

  'arrays/generic_array.ts': {
    check(out, n) {
      out.has(`f32: sum ${1.5 * n} (expected ${1.5 * n})`);
      const u64 = (3n * BigInt(n)) << 40n;
      out.has(`u64: sum ${u64} (expected ${u64})`);
      out.has(`bool: ${'1'.repeat(n)} (expected ${'1'.repeat(n)})`);
      const u128 = BigInt(n) * ((1n << 100n) + 1n);
      out.has(`u128: element 0 = ${u128} (expected ${u128})`);
      out.has(`iterators: ${n} bool elements set, u128 sum ${u128}, ${n} after >> 100 (expected ${n}, ${u128}, ${n})`);
    },
  },

  'active_messages/am_no_return.ts': {
    check(out, n) {
      out.has('no return result: undefined');
      out.has(`no return result: [${new Array(n).fill('undefined').join(', ')}]`);
      out.has('typed group: 20 results, all undefined: true');
      for (let i = 0; i < 10; i++) out.matching(new RegExp(`^\\tin AmNoReturn \\{ myPe: ${i}, testVar: 7 \\} on pe \\d+ of ${n}$`), n + 1);
      const share = (pe: number): number => range(10).filter((i) => i % n === pe).length;
      const runs = range(n).map((pe) => (pe === 0 ? 1 : 0) + (pe === n - 1 ? 1 : 0) + 1 + 2 * (share(pe) + 10));
      out.has(`AMs run per PE: ${runs.join(', ')}`);
    },
  },

  'active_messages/am_local.ts': {
    check(out) {
      const items = out.matching(/^(\d+) (\d+) \[([\d, ]+)\] on pe 0$/, 10).map((m) => Number(m[2]));
      assert.deepEqual(items.sort((a, b) => a - b), range(10), 'every item taken once');
      out.has('items processed: 55 (expected 55)');
    },
  },

  'active_messages/am_batch_tests.ts': {
    check(out, n) {
      range(n).forEach((pe) => {
        const m = out.one(new RegExp(`^PE ${pe}: 1000 AMs \\((.*)\\), 0 bad results$`));
        const counts = [...m[1]!.matchAll(/ (\d+)(?:,|$)/g)].map((c) => Number(c[1]));
        assert.equal(counts.length, 7);
        assert.equal(counts.reduce((a, b) => a + b, 0), 1000);
      });
    },
  },

  'misc/simple_ptp.ts': {
    check: (out, n) => range(n).forEach((pe) => out.one(new RegExp(`^\\[${pe}\\] 100 exchanges with PE 0, mean adj: -?\\d+ ns$`))),
  },

  'misc/lamellar_env.ts': {
    check(out, n) {
      const all = `[${range(n).join(', ')}]`;
      for (const pe of range(n)) {
        for (const what of ['world', 'Darc', 'LocalRwDarc', 'GlobalRwDarc', 'UnsafeArray', 'AtomicArray', 'LocalLockArray', 'GlobalLockArray']) {
          out.has(`[${pe}] environment from ${what}: my_pe ${pe}, num_pes ${n}, world PEs ${all}`);
        }
      }
      const even = range(Math.ceil(n / 2)).map((i) => 2 * i);
      out.matching(/environment from team/, even.length);
      even.forEach((pe, t) => out.has(`[${pe}] environment from team: my_pe ${t}, num_pes ${even.length}, world PEs [${even.join(', ')}]`));
    },
  },

  'misc/ping_pong.ts': {
    check: (out, n) => range(n).forEach((pe) => out.one(new RegExp(`^PE ${pe}: 50 rounds of 256 indices with PE ${(pe + 1) % n}, 0 wrong results \\(\\d+ messages/s\\)$`))),
  },

  'darc/stress_test.ts': {
    check(out, n) {
      const tree = (d: number, w: number): number => (d < 0 ? 0 : 1 + w * tree(d - 1, w));
      const world = n * 4 * tree(4, 4);
      out.one(new RegExp(`^world trees: ${world} AMs ran \\(expected ${world}\\) in [\\d.]+ s$`));
      const sub = (Math.ceil(n / 2) + Math.floor(n / 2)) * 3 * tree(3, 3);
      out.one(new RegExp(`^sub-team trees: ${sub} AMs ran \\(expected ${sub}\\) in [\\d.]+ s$`));
    },
  },

  'arrays/hello_world_array.ts': {
    check(out, n) {
      const x = (n * (n + 1)) / 2;
      range(n).forEach((pe) => out.has(`PE ${pe}: elements ${4 * pe}..${4 * pe + 3} = [${[x, x, x, x].join(', ')}] (expected ${x} each)`));
    },
  },

  'arrays/histo.ts': {
    check: (out, n) => out.has(`histo: ${n} PEs x 1000000 updates into ${1000 * n} elements, twice: sum ${2_000_000 * n} == expected`),
  },

  'arrays/iter/array_consumer_schedules.ts': {
    alsoOn: [3],
    check(out, n) {
      for (const name of ['static', 'dynamic', 'chunk(10)', 'guided', 'workStealing']) {
        for (const pe of range(n)) {
          const even = partOf(pe, 50, n, 'block').filter((v) => v % 2 === 0);
          const sum = even.reduce((a, b) => a + b, 0);
          out.has(`[PE ${pe}] ${name}: forEachAsync visited ${even.length} (left running: ${even.length}); reduce ${sum}; collect [${even.join(', ')}]; count ${even.length}; sum ${sum}`);
          out.one(new RegExp(`^\\[PE ${pe}\\] ${esc(name)}: forEachAsync [\\d.]+ ms, the other consumers [\\d.]+ ms$`));
        }
      }
    },
  },

  'arrays/iter/dist_array_reduce_iter.ts': {
    alsoOn: [3],
    check(out, n) {
      for (const pe of range(n)) {
        out.has(`PE ${pe}: cyclic reduce 4950, block sum 4950, block min above 10 11 (expected 4950, 4950, 11)`);
        out.has(`PE ${pe} cyclic doubled: ${pairs(partOf(pe, 100, n, 'cyclic').map((i) => [i, 2 * i]))}`);
        out.has(`PE ${pe}: cyclic doubled sum 9900`);
        out.has(`PE ${pe}: one-element array min 0, empty sub-array sum 0`);
      }
    },
  },

  'arrays/iter/distributed_iteration.ts': {
    alsoOn: [3],
    check(out, n) {
      const own = (pe: number, items: [number, number | string][], at: (it: [number, number | string]) => number, dist: 'block' | 'cyclic' = 'block'): string =>
        pairs(items.filter((it) => (dist === 'cyclic' ? at(it) % n : blockOwner(at(it), 100, n)) === pe));
      const cyclicSum = range(100).reduce((a, i) => a + (i % n), 0);
      for (const pe of range(n)) {
        const show = (label: string, items: string): void => out.has(`[PE ${pe}] ${label}: ${items}`.trimEnd());
        out.has(`[PE ${pe}] block sum: 4950`);
        out.has(`[PE ${pe}] cyclic sum: ${cyclicSum}`);
        show('block skip(2) enumerate stepBy(3)', own(pe, range(98).filter((k) => k % 3 === 0).map((k) => [k, k + 2]), ([, v]) => Number(v)));
        show('cyclic enumerate skip(2)', own(pe, range(98).map((k) => [k + 2, (k + 2) % n]), ([i]) => i, 'cyclic'));
        show('cyclic enumerate map async forEachAsync', partOf(pe, 100, n, 'cyclic').map((i) => `${i}:${pe}:${i}`).join(' '));
        out.has(`[PE ${pe}] collectAsync: length 100, sum ${4950 + cyclicSum}`);
        show('block enumerate filter(% 4 == 0)', own(pe, range(100).filter((i) => i % 4 === 0).map((i) => [i, i]), ([i]) => i));
        show('block enumerate filterMap(% 4 == 0, as f32)', own(pe, range(100).filter((i) => i % 4 === 0).map((i) => [i, i + 0.5]), ([i]) => i));
        out.has(`[PE ${pe}] filterMap collect (u8): ${range(100).filter((i) => i % 8 === 0).join(' ')}`);
        show('block skip(10) enumerate', own(pe, range(90).map((k) => [k, k + 10]), ([, v]) => Number(v)));
        show('block skip(10) stepBy(3) enumerate', own(pe, range(30).map((j) => [j, 10 + 3 * j]), ([, v]) => Number(v)));
        show('block take(60) skip(10) enumerate', own(pe, range(50).map((k) => [k, k + 10]), ([, v]) => Number(v)));
        show('block take(60) skip(10) take(30) enumerate', own(pe, range(30).map((k) => [k, k + 10]), ([, v]) => Number(v)));
        out.has(`[PE ${pe}] block filter(even) count: 50`);
      }
    },
  },

  'arrays/iter/hello_world_array_iteration.ts': {
    check(out, n) {
      out.has(`before: ${range(10 * n).map(() => 0).join(' ')}`);
      for (const pe of range(n)) for (const i of range(10, 10 * pe)) out.has(`PE ${pe} setting array[${i}] = ${pe}`);
      out.matching(/ setting array\[/, 10 * n);
      out.has(`after: ${range(10 * n).map((i) => Math.floor(i / 10)).join(' ')}`);
      for (const pe of range(n)) out.has(`PE ${pe} local part: ${range(10).map(() => pe).join(' ')}`);
    },
  },

  'arrays/iter/histo_iter.ts': {
    check(out, n) {
      for (const pe of range(n)) {
        const hit = Number(out.one(new RegExp(`^PE ${pe}: histo sum ${1_000_000 * n} == expected, (\\d+) of ${1000 * n} elements hit$`))[1]);
        assert.ok(hit > 0 && hit <= 1000 * n, `${hit} elements hit`);
      }
    },
  },

  'arrays/iter/local_iteration.ts': {
    alsoOn: [3],
    check(out, n) {
      for (const pe of range(n)) {
        const L = partOf(pe, 100, n, 'block').length;
        const Lc = partOf(pe, 100, n, 'cyclic').length;
        const blockValue = (g: number): number => g - partOf(blockOwner(g, 100, n), 100, n, 'block')[0]!;
        const show = (label: string, items: [number, number | string][]): void => out.has(`[PE ${pe}] ${label}: ${pairs(items)}`.trimEnd());
        show('block skip(2) enumerate stepBy(3)', range(L - 2).filter((k) => k % 3 === 0).map((k) => [k, k + 2]));
        show('cyclic enumerate skip(2)', range(Lc - 2).map((k) => [k + 2, pe]));
        out.has(`[PE ${pe}] cyclic enumerate map async forEachAsync: ${range(Lc).map((i) => `${i}:${pe}:${blockValue(i) + pe}`).join(' ')}`);
        show('block enumerate filter(% 4 == 0)', range(L).filter((k) => k % 4 === 0).map((k) => [k, k]));
        show('block enumerate filterMap(% 4 == 0, as f32)', range(L).filter((k) => k % 4 === 0).map((k) => [k, k + 0.5]));
        show('block skip(10) enumerate', range(L - 10).map((k) => [k, k + 10]));
        show('block skip(10) stepBy(3) enumerate', range(Math.ceil((L - 10) / 3)).map((j) => [j, 10 + 3 * j]));
        show('block take(60) skip(10) enumerate', range(Math.min(L, 60) - 10).map((k) => [k, k + 10]));
        show('block take(60) skip(10) take(30) enumerate', range(Math.min(30, Math.min(L, 60) - 10)).map((k) => [k, k + 10]));
        out.has(`[PE ${pe}] block chunks(7) sums: ${range(Math.ceil(L / 7)).map((c) => range(Math.min(7, L - 7 * c), 7 * c).reduce((a, b) => a + b, 0)).join(' ')}`);
        out.has(`[PE ${pe}] block map reduce sum: ${partOf(pe, 100, n, 'block').reduce((a, b) => a + b, 0)}`);
      }
    },
  },

  'arrays/iter/onesided_iteration.ts': {
    check(out, n) {
      const block = range(100).map((g) => blockOwner(g, 100, n));
      const cyclic = range(100).map((g) => g % n);
      out.has(`block: ${block.join(' ')}`);
      out.has(`cyclic: ${cyclic.join(' ')}`);
      out.has(`block, 10 per transfer: ${block.join(' ')}`);
      out.has(`cyclic, 10 per transfer: ${cyclic.join(' ')}`);
      const chunk = (xs: number[], c: number): string => `[${xs.slice(10 * c, 10 * c + 10).join(' ')}]`;
      assert.deepEqual(out.matching(/^block chunk: /).map((m) => m.input), range(6, 4).map((c) => `block chunk: ${chunk(block, c)}`));
      assert.deepEqual(out.matching(/^cyclic chunk: /).map((m) => m.input), range(10).map((c) => `cyclic chunk: ${chunk(cyclic, c)}`));
      out.has(`zip: ${range(100).map((i) => `${i}: ${cyclic[i]} ${block[i]}`).join(', ')}`);
      assert.deepEqual(out.matching(/^zipped chunks: /).map((m) => m.input), range(10).map((c) => `zipped chunks: ${chunk(cyclic, c)} ${chunk(block, c)}`));
      out.has('first four all < numPes: true (0 0 0 0)');
    },
  },

  'darc/darc.ts': {
    check(out, n) {
      range(n).forEach((pe) => out.has(`PE ${pe}: ${n} hits, from PEs ${range(n).join(',')}`));
      out.has(`PE 0 still holds a clone after every original handle was dropped: ${n} hits`);
    },
  },

  'darc/dist_hashmap.ts': {
    check(out, n) {
      for (const pe of range(n)) {
        const o = (pe + 1) % n;
        out.one(new RegExp(`^PE ${pe} read pe${o}-key0\\.\\.2 = ${o * 1000}, ${o * 1000 + 1}, ${o * 1000 + 2} \\(owners [\\d, ]+\\)$`));
        out.has(`PE ${pe}: missing key -> undefined`);
      }
      const m = out.one(/^entries per PE: ([\d, ]+); total (\d+) \(expected (\d+)\)$/);
      const sizes = m[1]!.split(', ').map(Number);
      assert.equal(sizes.length, n);
      assert.deepEqual([sizes.reduce((a, b) => a + b), Number(m[2]), Number(m[3])], [25 * n, 25 * n, 25 * n]);
    },
  },

  'darc/string_darc.ts': {
    check(out, n) {
      for (const pe of range(n)) {
        const marks = out.one(new RegExp(`^PE ${pe}:((?: <\\d+>)*)$`))[1]!;
        assert.deepEqual([...marks.matchAll(/<(\d+)>/g)].map((m) => Number(m[1])).sort((a, b) => a - b), range(n), `PE ${pe}: one mark from every PE`);
        out.has(`PE ${pe} after intoDarc: ${`PE ${pe}:${marks}`.length} characters`);
      }
    },
  },

  'rdma/rdma_am.ts': {
    check: (out, n) =>
      range(n).forEach((pe) => {
        const sum = 65535 * (pe + 1);
        out.has(`PE ${pe}: PE ${(pe + 1) % n} summed 65536 elements owned by PE ${pe}; the answer in my buffer is ${sum} (expected ${sum})`);
      }),
  },

  'rdma/rdma_get.ts': {
    check(out, n) {
      range(n).forEach((pe) => out.has(`PE ${pe} got elements ${4 * pe}..${4 * pe + 3} of PE 0: ${range(4, 4 * pe).map((i) => i * 1.5).join(', ')}`));
      out.has(`PE 0 read the first element of every PE: ${range(n).map((pe) => pe * 10).join(', ')}`);
    },
  },

  'rdma/rdma_put.ts': {
    check: (out, n) => range(n).forEach((pe) => out.has(`PE ${pe}: ${range(8).map((i) => pe * 100 + i).join(' ')}`)),
  },

  'teams/custom_team_arch.ts': {
    check(out, n) {
      const pairs = range(n).filter((pe) => pe % 4 < 2).length;
      const archs: [number, number, number, number][] = [
        ...(n > 1 ? [[1, 2, 1, Math.floor(n / 2)] as [number, number, number, number]] : []),
        [0, 1, Math.ceil(n / 2), Math.ceil(n / 2)],
        [0, 2, 2, pairs],
      ];
      const expected: string[] = [];
      for (const a of archs) {
        out.has(`------------------- BlockStridedArch(${a.join(', ')}) -------------------`);
        const pes = blockStrided(...a).join(', ');
        blockStrided(...a).forEach((w, t) => expected.push(`[${w}] team PE ${t} of world PEs [${pes}]: AMs ran on [${pes}]`));
      }
      const got = out.matching(/^(\[\d+\] team PE \d+ of world PEs \[[\d, ]*\]: AMs ran on \[[\d, ]*\]) in [\d.]+ s$/).map((m) => m[1]!);
      assert.deepEqual(got.sort(), expected.sort(), 'every member of every team reports the AMs ran on exactly its members');
    },
  },

  'teams/random_team.ts': {
    check(out, n) {
      const m = out.one(/^random team: RandomArch\[([\d, ]+)\], so its world PEs in team order are \[([\d, ]+)\]$/);
      const order = m[1]!.split(', ').map(Number);
      assert.equal(m[2], m[1], 'a team of the world: parent PEs are world PEs');
      assert.deepEqual([...order].sort((a, b) => a - b), range(n), 'a permutation of the world');
      const s = out.one(/^sub team: RandomArch\[(\d+), (\d+)\] of the random team, so world PEs \[(\d+), (\d+)\]$/);
      const sub = [order[Number(s[1])]!, order[Number(s[2])]!];
      assert.deepEqual([Number(s[3]), Number(s[4])], sub, "the sub-team's parent PEs map through the random team's order");
      for (const to of sub) {
        for (const from of sub) out.has(`Hello on PE ${to} from {"worldPe":${from},"parentPe":${order.indexOf(from)},"teamPe":${sub.indexOf(from)}}`);
      }
      const walk = (team: number[], w: number): string =>
        range(team.length).map((i) => (team.indexOf(w) + i) % team.length).map((t) => `[PE ${team[t]} = team PE ${t}]`).join(' -> ');
      range(n).forEach((w) => out.has(`[${w}] random team path: ${walk(order, w)}`));
      sub.forEach((w) => out.has(`[${w}] sub team path:    ${walk(sub, w)}`));
      out.matching(/sub team path/, 2);
    },
  },

  'teams/team_am.ts': {
    check(out, n) {
      range(n).forEach((pe) => out.one(new RegExp(`^\\[${pe}\\] world: elapsed [\\d.]+ s$`)));
      const firstHalf = range(Math.ceil(n / 2));
      const h = firstHalf.length;
      const teams: [string, number[]][] = [
        ['first half team', firstHalf],
        ['even team', range(Math.ceil(n / 2)).map((i) => 2 * i)],
        ...(n > 3 ? [['second half sub team', firstHalf.slice(Math.ceil(h / 2), Math.ceil(h / 2) + Math.floor(h / 2))] as [string, number[]]] : []),
      ];
      for (const [label, pes] of teams) {
        out.has(`${label}: world PEs [${pes.join(', ')}] in team order`);
        const k = pes.length;
        for (const pe of range(n)) {
          const t = pes.indexOf(pe);
          if (t < 0) out.has(`[${pe}] not a member of the ${label}`);
          else out.one(new RegExp(`^\\[${pe}\\] team PE ${t}: ${k} AMs in [\\d.]+ s; last: ${esc(`PE ${pes[k - 1]} is team PE ${k - 1} of [${pes.join(', ')}]`)}$`));
        }
      }
    },
  },
};

const EXAMPLES = join(ROOT, 'examples');
for (const file of examples(EXAMPLES)) {
  const name = relative(EXAMPLES, file).split(sep).join('/');
  const spec = CHECKS[name];
  for (const n of [4, ...(spec?.alsoOn ?? [])]) {
    test(`examples/${name} on ${n} PEs prints the right results`, async () => {
      assert.ok(spec !== undefined, `no check for examples/${name}: add one to CHECKS in tests/multi-pe/examples.test.ts`);
      const script = name === 'hello_world.ts' ? file : compiled(file, EXAMPLES);
      const r = await runJob(script, { numPes: n, backend: 'shmem', timeoutMs: 90000 });
      assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      spec.check(new Output(r.stdout), n);
    });
  }
}

test('every check belongs to an existing example', () => {
  const names = new Set([...examples(EXAMPLES)].map((f) => relative(EXAMPLES, f).split(sep).join('/')));
  assert.deepEqual(Object.keys(CHECKS).filter((k) => !names.has(k)), []);
});
