/**
 * Remote puts in flight from this PE, counted by the epoch they started in, for the barrier: a
 * barrier arrives only once the puts this PE started before it are in their targets' memory, as
 * OpenSHMEM's barrier_all includes a quiet. Without it, a put not awaited before a barrier landed
 * after the barrier on ofi (a quarter of the rounds: the fabric's writes and the bootstrap's
 * barrier travel apart). On tcp none was seen, but with 4 PEs or more a barrier's signal can
 * reach the target through another PE, ahead of a put on the direct link.
 *
 * A barrier's fence starts a new epoch, so puts started after its call (by other tasks) are not
 * waited for. Shmem and local puts are copies done at the call and never counted: there the
 * check is one Map size.
 */
export class PutFence {
  #epoch = 0;
  /** Puts in flight per epoch; an epoch leaves when its last put settles. */
  readonly #open = new Map<number, number>();
  #waiters: { upTo: number; resolve: () => void }[] = [];

  /** A put starts; returns its epoch, to give to `end`. */
  begin(): number {
    const e = this.#epoch;
    this.#open.set(e, (this.#open.get(e) ?? 0) + 1);
    return e;
  }

  /** A put of epoch `e` has settled (landed or failed). */
  end(e: number): void {
    const n = (this.#open.get(e) ?? 1) - 1;
    if (n > 0) {
      this.#open.set(e, n);
      return;
    }
    this.#open.delete(e);
    if (this.#waiters.length > 0) this.#wake();
  }

  /** Undefined when no put is in flight; else resolves once every put started until now has settled. */
  fence(): Promise<void> | undefined {
    if (this.#open.size === 0) return undefined;
    const upTo = ++this.#epoch;
    return new Promise<void>((resolve) => this.#waiters.push({ upTo, resolve }));
  }

  #wake(): void {
    let oldest = Infinity;
    for (const e of this.#open.keys()) if (e < oldest) oldest = e;
    this.#waiters = this.#waiters.filter((w) => {
      if (oldest < w.upTo) return true;
      w.resolve();
      return false;
    });
  }
}
