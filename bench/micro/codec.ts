/**
 * Codec micro-benchmark: round-trip rate (encode then decode in one loop) of our serde against
 * msgpackr on the shapes the AM engine produces. Each case and variant is warmed up, then timed
 * in ROUNDS rounds of ROUND_MS and the best round is reported (the machine is shared, and the
 * best round is the one least disturbed by other processes). The whole run takes ~5 s.
 *
 *   npm install --no-save msgpackr@2 && node --import tsx bench/micro/codec.ts
 *
 * msgpackr is not a dependency of the project (it only serves this comparison); without it the
 * script measures our codec alone. Prints one JSON line per case and variant and, when both
 * codecs ran, writes the same lines to bench/results/codec-<date>.jsonl. For the frame case, ops_per_sec counts AMs (objects),
 * not frames, so it compares directly with the single-object case.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { decodeValue, encodeValue, Reader, Writer } from '../../src/serde/index.js';

const ROUNDS = 3;
const ROUND_MS = 130;
const WARM_MS = 100;
const machine = { cores: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version };
interface PackrLike {
  pack(value: unknown): Uint8Array;
  unpack(bytes: Uint8Array): unknown;
  unpackMultiple(bytes: Uint8Array, each: (v: unknown) => void): void;
}
// A variable specifier keeps TypeScript from requiring the package to be installed.
const msgpackrName = 'msgpackr';
const packr: PackrLike | undefined = await import(msgpackrName).then(
  (m: { Packr: new (o: object) => PackrLike }) => new m.Packr({ useRecords: false, moreTypes: true }),
  () => {
    process.stderr.write('msgpackr is not installed: measuring our codec only (npm install --no-save msgpackr@2 to compare)\n');
    return undefined;
  },
);

interface Case {
  name: string;
  /** Values (AMs) per call of `run`. */
  perRun: number;
  /** Payload bytes per value, for MB/s (the typed-array cases); 0 = use encoded bytes. */
  payloadBytes: number;
  ours: () => number;
  msgpackr: () => number;
}

function time(fn: () => number, ms: number): { runs: number; elapsed: number; bytes: number } {
  let runs = 0;
  let bytes = 0;
  const t0 = performance.now();
  let elapsed: number;
  do {
    for (let i = 0; i < 16; i++) bytes = fn();
    runs += 16;
    elapsed = performance.now() - t0;
  } while (elapsed < ms);
  return { runs, elapsed, bytes };
}

const w = new Writer(1 << 16);
let sink = 0;

function oursRoundTrip(value: unknown): () => number {
  return () => {
    w.reset();
    encodeValue(w, value, 'bench');
    const r = new Reader(w.buf, 0, w.pos);
    if (decodeValue(r) !== undefined) sink++;
    return w.pos;
  };
}

function msgpackrRoundTrip(value: unknown): () => number {
  return () => {
    const b = packr!.pack(value);
    if (packr!.unpack(b) !== undefined) sink++;
    return b.length;
  };
}

const small = { from: 3, idx: 42, val: 3.14159, tag: 'hello' };
const f64Small = new Float64Array(1024).map((_, i) => i * 1.5);
const f64Large = new Float64Array(131072).map((_, i) => i * 1.5);
const frame = Array.from({ length: 1000 }, (_, i) => ({ from: i % 8, idx: i, val: i * 0.25, tag: 'hello' }));

/** The aggregated-frame case: 1000 AMs written back to back, then read back one by one. */
function oursFrame(): number {
  w.reset();
  for (let i = 0; i < frame.length; i++) encodeValue(w, frame[i], 'bench');
  const r = new Reader(w.buf, 0, w.pos);
  while (r.pos < r.end) if (decodeValue(r) !== undefined) sink++;
  return w.pos;
}

/** msgpackr cannot write into our Writer: pack each AM and copy it in, then unpack the frame. */
function msgpackrFrame(): number {
  w.reset();
  for (let i = 0; i < frame.length; i++) w.bytes(packr!.pack(frame[i]));
  packr!.unpackMultiple(w.view(), (v: unknown) => {
    if (v !== undefined) sink++;
  });
  return w.pos;
}

const cases: Case[] = [
  { name: 'small-object', perRun: 1, payloadBytes: 0, ours: oursRoundTrip(small), msgpackr: msgpackrRoundTrip(small) },
  { name: 'float64array-1024', perRun: 1, payloadBytes: f64Small.byteLength, ours: oursRoundTrip(f64Small), msgpackr: msgpackrRoundTrip(f64Small) },
  { name: 'float64array-131072', perRun: 1, payloadBytes: f64Large.byteLength, ours: oursRoundTrip(f64Large), msgpackr: msgpackrRoundTrip(f64Large) },
  { name: 'frame-1000-small-objects', perRun: frame.length, payloadBytes: 0, ours: oursFrame, msgpackr: msgpackrFrame },
];

const filter = process.argv[2];
const lines: string[] = [];
for (const c of cases) {
  if (filter !== undefined && !c.name.includes(filter)) continue;
  for (const variant of packr === undefined ? (['ours'] as const) : (['ours', 'msgpackr'] as const)) {
    const fn = c[variant];
    time(fn, WARM_MS);
    let opsPerSec = 0;
    let bytes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const t = time(fn, ROUND_MS);
      opsPerSec = Math.max(opsPerSec, (t.runs * c.perRun * 1000) / t.elapsed);
      bytes = t.bytes;
    }
    const perValueBytes = c.payloadBytes || bytes / c.perRun;
    const line = JSON.stringify({
      name: c.name,
      variant,
      ops_per_sec: Math.round(opsPerSec),
      MB_per_sec: Math.round(((opsPerSec * perValueBytes) / 1e6) * 10) / 10,
      bytes,
      machine,
    });
    console.log(line);
    lines.push(line);
  }
}
if (sink < 0) console.log(sink);
if (filter === undefined && packr !== undefined) {
  const date = new Date().toISOString().slice(0, 10);
  writeFileSync(new URL(`../results/codec-${date}.jsonl`, import.meta.url), lines.join('\n') + '\n');
}
