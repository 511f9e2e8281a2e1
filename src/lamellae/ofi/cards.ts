/**
 * How ofi PEs learn each other's fabric endpoints: after the bootstrap lamella (tcp) has built its
 * authenticated mesh (rendezvous plus job secret), every PE sends every other PE one "card" over
 * it: the provider it opened, its fabric address, the key and base address of its registered
 * heap, its current heap length, and a random token that its fabric messages will carry. Only a
 * process that proved the job secret ever sees a card, so only job members can address the heap
 * (the key) or be heard (the token). Cards are JSON, parsed and checked, never evaluated.
 */
import { ErrorCode, LamellarError } from '../../core/index.js';
import type { Lamella } from '../types.js';

export interface Card {
  pe: number;
  provider: string;
  address: Uint8Array;
  key: bigint;
  base: bigint;
  token: bigint;
  heapLen: number;
  /** Shared-memory name of the PE's doorbell (providers without wait objects), or ''. */
  doorbell: string;
}

const MAGIC = 'lamellar-ofi-card/1';

function encode(c: Card): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      magic: MAGIC,
      pe: c.pe,
      provider: c.provider,
      address: Buffer.from(c.address).toString('base64'),
      key: c.key.toString(),
      base: c.base.toString(),
      token: c.token.toString(),
      heapLen: c.heapLen,
      doorbell: c.doorbell,
    }),
  );
}

function decode(src: number, frame: Uint8Array): Card {
  let v: Record<string, unknown> | undefined;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame)) as Record<string, unknown>;
  } catch {
    v = undefined;
  }
  const big = (x: unknown): bigint | undefined => (typeof x === 'string' && /^\d{1,20}$/.test(x) ? BigInt(x) : undefined);
  const key = big(v?.['key']);
  const base = big(v?.['base']);
  const token = big(v?.['token']);
  if (
    v === undefined || v['magic'] !== MAGIC || v['pe'] !== src || typeof v['provider'] !== 'string' || typeof v['address'] !== 'string' ||
    key === undefined || base === undefined || token === undefined || !Number.isSafeInteger(v['heapLen']) ||
    typeof v['doorbell'] !== 'string' || !/^(\/lamellar-ofi-[0-9a-f-]+)?$/.test(v['doorbell'])
  ) {
    throw new LamellarError(ErrorCode.PROTOCOL, `PE ${src} sent a malformed ofi endpoint card during start-up`, { details: { pe: src } });
  }
  return { pe: src, provider: v['provider'], address: new Uint8Array(Buffer.from(v['address'], 'base64')), key, base, token, heapLen: v['heapLen'] as number, doorbell: v['doorbell'] };
}

/**
 * Starts `boot`, collecting the other PEs' cards as they come (a fast PE's may arrive before this
 * PE has opened its endpoint); resolves, once the job has met, to `swap`, which sends this PE's
 * card to every other PE and resolves to all cards in PE order. The endpoint is opened between
 * the two: a PE bound to a wildcard address opens it on the address the bootstrap advertised.
 */
export async function startCards(boot: Lamella): Promise<(mine: Card) => Promise<Card[]>> {
  const cards: (Card | undefined)[] = new Array<Card | undefined>(boot.numPes).fill(undefined);
  let missing = boot.numPes - 1;
  let problem: LamellarError | undefined;
  let arrived: (() => void) | undefined;
  const all = new Promise<void>((resolve) => (arrived = resolve));
  boot.setFrameHandler((src, frame) => {
    try {
      if (cards[src] !== undefined) throw new LamellarError(ErrorCode.PROTOCOL, `PE ${src} sent a second ofi endpoint card`);
      cards[src] = decode(src, frame);
    } catch (e) {
      problem ??= e as LamellarError;
    }
    if (--missing === 0 || problem !== undefined) arrived!();
    return true;
  });
  await boot.init();
  return async (mine) => {
    cards[mine.pe] = mine;
    const mineBytes = encode(mine);
    for (let pe = 0; pe < boot.numPes; pe++) if (pe !== mine.pe) boot.send(pe, mineBytes);
    boot.sendsDone();
    if (missing > 0 && problem === undefined) await all;
    boot.setFrameHandler((src) => {
      throw new LamellarError(ErrorCode.PROTOCOL, `PE ${src} sent a frame over the ofi job's bootstrap connections after start-up`);
    });
    const other = cards.find((c) => c !== undefined && c.provider !== mine.provider);
    if (problem === undefined && other !== undefined) {
      problem = new LamellarError(
        ErrorCode.OFI_PROVIDER,
        `PE ${other.pe} opened the libfabric provider '${other.provider}' but PE ${mine.pe} opened '${mine.provider}': ` +
          'set LAMELLAR_OFI_PROVIDER to one provider that every host has',
        { details: { pe: other.pe, provider: other.provider } },
      );
    }
    if (problem !== undefined) {
      boot.abort(problem);
      throw problem;
    }
    return cards as Card[];
  };
}
