/**
 * The "what a Node user writes today" baseline (BENCHMARKS.md): histo or index gather on `numPes`
 * worker threads talking through postMessage, aggregated by hand (postmessage-worker.ts). This
 * side starts the threads, wires a MessageChannel between every pair, and times each rep from
 * 'go' until the last thread reports done. Threads start, generate their indices and load their code before
 * 'go', so only the kernel is timed. Verified: histo stats are checked here, gathered values in
 * each thread.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { checkHisto, type HistoStats } from '../kernels/common.js';
import type { PostMessageParams } from './postmessage-worker.js';

type Reply = { type: 'ready' } | { type: 'done'; stats?: HistoStats } | { type: 'error'; message: string };

/** Runs `reps` reps of one baseline job in one set of threads; resolves to each rep's seconds. */
export async function runPostMessage(p: Omit<PostMessageParams, 'pe'>, reps: number): Promise<number[]> {
  const P = p.numPes;
  const mesh: (MessagePort | undefined)[][] = Array.from({ length: P }, () => new Array<MessagePort | undefined>(P).fill(undefined));
  for (let i = 0; i < P; i++) {
    for (let j = i + 1; j < P; j++) {
      const { port1, port2 } = new MessageChannel();
      mesh[i]![j] = port1;
      mesh[j]![i] = port2;
    }
  }
  // Run as TypeScript (through tsx), each thread registers tsx first (worker-boot.mjs); run as a
  // JavaScript copy of this directory (the benchmark smoke test's), the threads start on the copy.
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(ts ? './postmessage-worker.ts' : './postmessage-worker.js', import.meta.url).href;
  const workers: Worker[] = [];
  let onReply: (pe: number, r: Reply) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    for (let pe = 0; pe < P; pe++) {
      const ports = mesh[pe]!;
      const w = new Worker(ts ? new URL('./worker-boot.mjs', import.meta.url) : new URL(entry), {
        workerData: { entry, params: { ...p, pe }, ports },
        transferList: ports.filter((x): x is MessagePort => x !== undefined),
      });
      w.on('message', (r: Reply) => {
        if (r.type === 'error') reject(new Error(`postMessage ${p.kind} baseline, thread ${pe}: ${r.message}`));
        else onReply(pe, r);
      });
      w.on('error', (e) => reject(e));
      workers.push(w);
    }
  });
  // Raced below at every step; this keeps a failure after the last race from going unhandled.
  failed.catch(() => {});
  const exited = workers.map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
  const phase = (type: 'ready' | 'done'): Promise<(HistoStats | undefined)[]> => {
    const got: (HistoStats | undefined)[] = new Array<HistoStats | undefined>(P);
    let left = P;
    return Promise.race([
      failed,
      new Promise<(HistoStats | undefined)[]>((resolve) => {
        onReply = (pe, r) => {
          if (r.type !== type) return;
          got[pe] = r.type === 'done' ? r.stats : undefined;
          if (--left === 0) resolve(got);
        };
      }),
    ]);
  };
  try {
    await phase('ready');
    const secs: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const done = phase('done');
      const t0 = performance.now();
      for (const w of workers) w.postMessage('go');
      const stats = await done;
      secs.push((performance.now() - t0) / 1000);
      if (p.kind === 'histo') checkHisto(stats as HistoStats[], P * p.updates);
    }
    for (const w of workers) w.postMessage('exit');
    await Promise.race([failed, Promise.all(exited)]);
    return secs;
  } catch (err) {
    for (const w of workers) void w.terminate();
    throw err;
  }
}
