/**
 * An AM engine for PE 0 of 2 over a lamella that records what it sends, and a request frame
 * builder: for tests that feed the engine frames by hand.
 */
import { Engine, type AmDef, type EngineHost } from '../../src/am/index.js';
import { REQ } from '../../src/am/wire.js';
import type { Lamella } from '../../src/lamellae/types.js';
import { encodeValue, Writer } from '../../src/serde/index.js';

export interface TestEngine {
  engine: Engine;
  /** Delivers `frame` from `src` as the lamella would. */
  handler: (src: number, frame: Uint8Array) => void;
  /** Every frame the engine sent, copied. */
  sent: { pe: number; frame: Uint8Array }[];
}

export function makeEngine(): TestEngine {
  const sent: { pe: number; frame: Uint8Array }[] = [];
  let handler!: (src: number, frame: Uint8Array) => void;
  const lamella = {
    backend: 'local',
    myPe: 0,
    numPes: 2,
    maxFrame: Number.POSITIVE_INFINITY,
    stats: { framesSent: 0, bytesSent: 0, selfBytes: 0, framesReceived: 0 },
    setFrameHandler: (h: typeof handler) => (handler = h),
    send: (pe: number, frame: Uint8Array) => void sent.push({ pe, frame: frame.slice() }),
    sendsDone: () => {},
  } as unknown as Lamella;
  const engine = new Engine(lamella, 1 << 16);
  // Frames here are handled synchronously, one call each: a request for an undefined AM (a fuzzed
  // AM id) is refused at once, as the tests expect, instead of waiting turns for a definition.
  engine.defineWaitMs = 0;
  const team = { myPe: 0, numPes: 2, pes: [0, 1] };
  engine.setHost({ world: team, teamById: (id: number) => (id === 0 ? team : undefined), teamDropped: () => false, decodeContext: undefined } as unknown as EngineHost);
  return { engine, handler: (src, frame) => handler(src, frame), sent };
}

/** A frame holding one request for `am(args)` with id `reqId`, on the world team. */
export function requestFrame(am: AmDef<unknown, unknown>, reqId: number, args: unknown): Uint8Array {
  const w = new Writer(64);
  w.u8(REQ);
  w.u32(am.id);
  w.u32(reqId);
  w.u32(0);
  const lenAt = w.pos;
  w.u32(0);
  encodeValue(w, args);
  new DataView(w.buf.buffer, w.buf.byteOffset).setUint32(lenAt, w.pos - lenAt - 4, true);
  return w.view().slice();
}
