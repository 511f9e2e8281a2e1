/**
 * An AM that arrived before the shutdown collective and finishes after it (the reference-count
 * probe a late drop sets off awaits inside its body) must not reply: every PE is past its
 * waitAll, the lamella is closing, and a send there threw WORLD_SHUT_DOWN from a flush microtask,
 * which failed the PE (seen on shmem at 3 PEs, 1 run in several hundred).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineAm, type AmDef } from '../../src/am/index.js';
import { makeEngine, requestFrame } from '../helpers/engine.js';

let release!: (v: number) => void;
let fail!: (e: Error) => void;
const Slow = defineAm('engine-close/slow', (): Promise<number> => new Promise((resolve, reject) => ((release = resolve), (fail = reject))));
const slow = Slow as AmDef<unknown, unknown>;

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('an AM that finishes before close is answered; one that finishes after close is not', async () => {
  const { engine, handler, sent } = makeEngine();
  handler(1, requestFrame(slow, 1, null));
  release(7);
  await turn();
  assert.equal(sent.length, 1, 'the reply before close');

  handler(1, requestFrame(slow, 2, null));
  const settleValue = release;
  handler(1, requestFrame(slow, 3, null));
  const settleError = fail;
  engine.close();
  settleValue(8);
  settleError(new Error('late'));
  await turn();
  engine.flush();
  assert.equal(sent.length, 1, 'no reply, value or error, after close');
});
