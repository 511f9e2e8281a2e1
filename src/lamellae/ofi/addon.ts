/**
 * Loads the native half of the ofi lamella (native/ofi/*.c, built at install where a C
 * compiler and libfabric's headers exist, or later with `npx lamellar build-ofi`). The addon is
 * optional: without it every other backend works, and `--backend ofi` fails at once with
 * OFI_UNAVAILABLE saying what to install and how to rebuild.
 */
import { createRequire } from 'node:module';
import { config, ErrorCode, LamellarError, packagePath } from '../../core/index.js';

export interface OfiOpenOptions {
  provider: string | undefined;
  bindAddr: string | undefined;
  pe: number;
  numPes: number;
  heap: Uint8Array;
  heapMax: number;
  control: Int32Array;
  out: Uint8Array;
  in: Uint8Array;
  ringCap: number;
  spinUs: number;
  fabricAtomics: boolean;
}

export interface OfiEndpoint {
  provider: string;
  fabric: string;
  domain: string;
  address: Uint8Array;
  key: bigint;
  base: bigint;
  virtAddr: boolean;
  waitable: boolean;
  pinned: boolean;
  /** atomics[word][op]: whether the provider performs it (fi_query_atomic). */
  atomics: boolean[][];
  /** For providers without wait objects (shm): the shared-memory name of this PE's doorbell. */
  doorbell: string;
  /** The provider's max_msg_size: the most one send, write or read may carry. */
  maxMsg: number;
}

export interface OfiPeer {
  address: Uint8Array;
  key: bigint;
  base: bigint;
  token: bigint;
  doorbell: string;
}

export interface OfiAddon {
  readonly libfabricVersion: string;
  providers(): { provider: string; fabric: string; domain: string }[];
  open(o: OfiOpenOptions): OfiEndpoint;
  connect(peers: OfiPeer[], myToken: bigint, onWake: () => void): void;
  kick(): void;
  /** Registers a buffer outside the heap for one large put or get; -1 if it cannot. */
  reg(view: Uint8Array): number;
  unreg(slot: number): void;
  unlinkDoorbell(): void;
  close(): void;
}

/** Where the build puts the addon. */
export const ADDON_PATH = packagePath('native/ofi/build/lamellar_ofi.node');

let loaded: OfiAddon | undefined;

/** The addon, or OFI_UNAVAILABLE with what to install and how to rebuild. */
export function loadOfi(): OfiAddon {
  if (loaded !== undefined) return loaded;
  const path = config().ofiAddon ?? ADDON_PATH;
  // Debian's libfabric links libinfinipath (the psm provider's library). Its constructor, run as
  // the addon loads, replaces the handlers of SIGINT, SIGTERM, SIGSEGV, SIGBUS, SIGILL and SIGABRT
  // (V8's WebAssembly trap handler among them) with a backtrace printer, which crashed on a
  // Ctrl-C and printed "terminated with signal 11" from every PE. It reads this variable first;
  // setting process.env on the main thread sets the process's own environment.
  process.env['IPATH_NO_BACKTRACE'] ??= '1';
  try {
    loaded = createRequire(import.meta.url)(path) as OfiAddon;
    return loaded;
  } catch (e) {
    const absent = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    if (config().ofiAddon !== undefined) {
      throw new LamellarError(
        ErrorCode.OFI_UNAVAILABLE,
        `LAMELLAR_OFI_ADDON names ${path}, which ${absent ? 'does not exist' : `cannot be loaded: ${(e as Error).message.split('\n')[0]}`}; ` +
          'point it at a built lamellar_ofi.node, or unset it to use the one `npx lamellar build-ofi` builds (see docs/ofi.md)',
        { details: { path }, cause: e },
      );
    }
    const why = absent ? 'it was not built' : (e as Error).message.split('\n')[0];
    throw new LamellarError(
      ErrorCode.OFI_UNAVAILABLE,
      `the ofi backend needs its native addon (${path}), and ${why}. Install libfabric's headers and a C compiler ` +
        '(Debian/Ubuntu: apt-get install libfabric-dev gcc), then run `npx lamellar build-ofi`; see docs/ofi.md',
      { details: { path }, cause: e },
    );
  }
}

/**
 * Checks, in the launcher before any PE starts, that the addon loads and that the chosen provider
 * (LAMELLAR_OFI_PROVIDER, or libfabric's choice) offers what the lamella needs here.
 */
export function checkOfi(provider: string | undefined): void {
  const addon = loadOfi();
  const all = addon.providers();
  if (all.length === 0) {
    const fi = fiProvider();
    throw new LamellarError(
      ErrorCode.OFI_PROVIDER,
      `no libfabric provider offers reliable datagram endpoints (FI_EP_RDM) with messages and RMA on this host${fi.note}`,
      { details: fi.details },
    );
  }
  if (provider !== undefined && !all.some((p) => p.provider === provider)) throw unknownProvider(addon, provider);
}

/** OFI_PROVIDER naming the provider asked for and those that would work here. */
export function unknownProvider(addon: OfiAddon, provider: string, why?: string): LamellarError {
  const names = [...new Set(addon.providers().map((p) => p.provider))];
  const fi = fiProvider();
  return new LamellarError(
    ErrorCode.OFI_PROVIDER,
    `${why ?? `the libfabric provider '${provider}' (LAMELLAR_OFI_PROVIDER) is not available here`}; ` +
      `providers that offer reliable datagram endpoints with RMA here: ${names.join(', ') || 'none'}${fi.note}`,
    { details: { provider, available: names, ...fi.details } },
  );
}

/**
 * libfabric's own FI_PROVIDER, when set, hides every provider it does not name (set but empty, it
 * hides them all): a job refused for want of a provider then said only "none", with nothing
 * pointing at the variable.
 */
function fiProvider(): { note: string; details: { fiProvider?: string } } {
  const v = process.env['FI_PROVIDER'];
  if (v === undefined) return { note: '', details: {} };
  return { note: ` (libfabric's FI_PROVIDER is set to '${v}', which hides every provider it does not name; unset it to see them all)`, details: { fiProvider: v } };
}
