/**
 * Flow control for streams of fire-and-forget operations. Launching a million AMs in one
 * synchronous loop would hold every handle and every encoded byte at once; launching in chunks
 * and awaiting the last handle of the chunk `depth` chunks back keeps at most `depth` chunks in
 * flight while the next one is being written, so the sender and the receiver work in parallel.
 * At the end every chunk's mark is awaited. For AMs the caller still ends with `waitAll()` (a mark
 * is one handle of its chunk); for memory-region operations, which `waitAll()` does not cover, the
 * mark must settle only when its whole chunk has.
 */
export async function pipelined(total: number, chunk: number, launch: (start: number, end: number) => PromiseLike<unknown>, depth = 2): Promise<void> {
  const marks: PromiseLike<unknown>[] = [];
  for (let start = 0; start < total; start += chunk) {
    marks.push(launch(start, Math.min(total, start + chunk)));
    if (marks.length > depth) await marks.shift();
  }
  await Promise.all(marks);
}
