/**
 * One thread of the postMessage baselines: histo and index gather as a Node user would write
 * them today with worker_threads, aggregating by hand into per-destination buffers of `buffer`
 * items sent with postMessage (the ArrayBuffer transferred, not copied), over a full mesh of
 * MessageChannels. Work aimed at the thread's own table is done in place.
 *
 * histo: a buffer is a Uint32Array of table offsets; the receiver adds 1 at each. After its
 * last buffer a thread sends `null` to every peer; channels are FIFO, so a thread that has its
 * own updates out and a `null` from every peer has applied everything aimed at it.
 *
 * index gather: a request is [0, id, offsets...]; the receiver overwrites the offsets with the
 * values in place and sends the same buffer back as [1, id, values...]. A thread is done when
 * every request of its own has been answered, but serves its peers until the parent says exit.
 *
 * Parent protocol: 'ready', then for each rep 'go' → 'done' (with histogram stats) or 'error',
 * then 'exit'.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { checkGather, fillGatherTable, GATHER_SALT, HISTO_SALT, histoStats, indexSum, kernelIndices } from '../kernels/common.js';

export interface PostMessageParams {
  kind: 'histo' | 'index_gather';
  pe: number;
  numPes: number;
  updates: number;
  tablePerPe: number;
  buffer: number;
}

const { params, ports } = workerData as { params: PostMessageParams; ports: (MessagePort | undefined)[] };
const { kind, pe, numPes: P, updates: U, tablePerPe: T, buffer: B } = params;
const parent = parentPort!;
const indices = kernelIndices(kind === 'histo' ? HISTO_SALT : GATHER_SALT, pe, P, U, T);
const table = new Uint32Array(T);
if (kind === 'index_gather') fillGatherTable(table, pe, P);

let sentAll = false;
let fins = 0;
let outstanding = 0;
let nextId = 0;
const pending = new Map<number, Uint32Array>();
const out = new Uint32Array(kind === 'index_gather' ? U : 0);

/**
 * Reports this rep and resets for the next one at once: a peer may start the next rep (and send
 * to this thread) before this thread has read its own 'go', so the reset cannot wait for it.
 */
function finish(): void {
  try {
    if (kind === 'histo') {
      parent.postMessage({ type: 'done', stats: histoStats(table, pe, P, indexSum(indices)) });
      table.fill(0);
    } else {
      checkGather(indices, out);
      out.fill(0);
      parent.postMessage({ type: 'done' });
    }
  } catch (err) {
    parent.postMessage({ type: 'error', message: (err as Error).message });
  }
  sentAll = false;
  fins = 0;
}

function applyHisto(offs: Uint32Array): void {
  for (let k = 0; k < offs.length; k++) table[offs[k]!]!++;
}

function onPeerMessage(port: MessagePort, m: Uint32Array | null): void {
  if (kind === 'histo') {
    if (m === null) {
      if (++fins === P - 1 && sentAll) finish();
    } else applyHisto(m);
    return;
  }
  const msg = m!;
  if (msg[0] === 0) {
    for (let k = 2; k < msg.length; k++) msg[k] = table[msg[k]!]!;
    msg[0] = 1;
    port.postMessage(msg, [msg.buffer as ArrayBuffer]);
    return;
  }
  const pos = pending.get(msg[1]!)!;
  pending.delete(msg[1]!);
  for (let k = 2; k < msg.length; k++) out[pos[k - 2]!] = msg[k]!;
  if (--outstanding === 0 && sentAll) finish();
}

function runHisto(): void {
  const bufs = Array.from({ length: P }, () => new Uint32Array(B));
  const fill = new Int32Array(P);
  const send = (d: number, b: Uint32Array): void => {
    if (d === pe) applyHisto(b);
    else {
      ports[d]!.postMessage(b, [b.buffer as ArrayBuffer]);
      bufs[d] = new Uint32Array(B);
    }
    fill[d] = 0;
  };
  for (let i = 0; i < U; i++) {
    const g = indices[i]!;
    const d = g % P;
    bufs[d]![fill[d]!++] = (g / P) | 0;
    if (fill[d] === B) send(d, bufs[d]!);
  }
  for (let d = 0; d < P; d++) if (fill[d]! > 0) send(d, bufs[d]!.subarray(0, fill[d]));
  for (let d = 0; d < P; d++) if (d !== pe) ports[d]!.postMessage(null);
  sentAll = true;
  if (fins === P - 1) finish();
}

function runGather(): void {
  const bufs = Array.from({ length: P }, () => new Uint32Array(B + 2));
  const poss = Array.from({ length: P }, () => new Uint32Array(B));
  const fill = new Int32Array(P);
  const flush = (d: number): void => {
    const id = nextId++;
    const b = bufs[d]!;
    b[0] = 0;
    b[1] = id;
    pending.set(id, poss[d]!);
    outstanding++;
    const n = fill[d]!;
    ports[d]!.postMessage(n === B ? b : b.subarray(0, n + 2), [b.buffer as ArrayBuffer]);
    bufs[d] = new Uint32Array(B + 2);
    poss[d] = new Uint32Array(B);
    fill[d] = 0;
  };
  for (let i = 0; i < U; i++) {
    const g = indices[i]!;
    const d = g % P;
    const off = (g / P) | 0;
    if (d === pe) {
      out[i] = table[off]!;
      continue;
    }
    const k = fill[d]!;
    bufs[d]![k + 2] = off;
    poss[d]![k] = i;
    fill[d] = k + 1;
    if (k + 1 === B) flush(d);
  }
  for (let d = 0; d < P; d++) if (fill[d]! > 0) flush(d);
  sentAll = true;
  if (outstanding === 0) finish();
}

for (const port of ports) {
  if (port !== undefined) port.on('message', (m: Uint32Array | null) => onPeerMessage(port, m));
}
parent.on('message', (m: string) => {
  if (m === 'go') {
    if (kind === 'histo') runHisto();
    else runGather();
  } else if (m === 'exit') {
    for (const port of ports) port?.close();
    parent.close();
  }
});
parent.postMessage({ type: 'ready' });
