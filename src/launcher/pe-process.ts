/**
 * Entry of a PE process started by the tcp launcher: `node pe-process.js <output> <script>
 * [args...]`, with the PE's identity, job id, secret and rendezvous in its environment. `<output>`
 * is `direct` (or `direct-prefixed`, each line tagged `[PE n] `) when the launcher's own stdout
 * and stderr are this process's fds 4 and 5, which the PE then writes itself (direct-output.ts),
 * or `forward`: the PE writes its own stdout and stderr, which the launcher forwards.
 *
 * The launcher keeps an IPC channel to every PE. Over it the PE reports its state (world started,
 * world shut down) and, if it fails, its error, which the launcher prints under the PE's number.
 * The channel also tells the PE that its launcher died; since a PE stuck in a synchronous loop
 * never sees that event, the world's network thread (tcp, and ofi's bootstrap) also checks four
 * times a second that the launcher is still this process's parent, and ends the process if not.
 * Before `initWorld()` and after shutdown there is no such thread, and a PE hears of it when it
 * next yields.
 */
import { writeSync } from 'node:fs';
import { config, setPeMonitor } from '../core/index.js';
import { writeDirectly } from './direct-output.js';
import { namePeProcess, runScript } from './entry.js';
import { causeOf, describeError, originOf, type PeReport } from './report.js';

const [output, script, ...args] = process.argv.slice(2);
const pe = config().peId;

if (output === 'direct' || output === 'direct-prefixed') {
  const prefix = output === 'direct' ? undefined : `[PE ${pe}] `;
  writeDirectly(process.stdout, 4, prefix);
  writeDirectly(process.stderr, 5, prefix);
}

/** How long a failing PE waits for its report to reach the launcher before it ends anyway. */
const REPORT_WAIT_MS = 1000;
/** How long a failing PE whose failure another PE caused stays up after its report (longer than the launcher's ORIGIN_WAIT_MS). */
const FOLLOW_ON_LINGER_MS = 2000;

/** How long a failure that another PE caused waits for this PE's script to fail on its own. */
const OWN_ERROR_WAIT_MS = 300;

let failing = false;
let heldFollowOn: ReturnType<typeof setTimeout> | undefined;

/**
 * Reports `err` to the launcher (or, without one, to stderr) and ends the process with code 1.
 * An error thrown outside the script that only relays another PE's failure (that PE stopped the
 * job) waits OWN_ERROR_WAIT_MS first: this PE's script may be unwinding an error of its own that
 * led to it (its `await using` disposal waits for a collective the other PE then refused), and
 * that error, when it comes out, is the one to report. A mismatch this PE found itself is
 * reported at once: it names both calls, where the relayed one may be all the other PE has.
 * `now`: report without waiting (the script's own error, or a held one whose wait is over).
 */
function failWith(err: unknown, now = false): void {
  if (failing) return;
  const cause = causeOf(err);
  const relayed = originOf(err);
  if (!now && relayed !== undefined && relayed !== pe) {
    heldFollowOn ??= setTimeout(() => failWith(err, true), OWN_ERROR_WAIT_MS);
    return;
  }
  if (heldFollowOn !== undefined) clearTimeout(heldFollowOn);
  failing = true;
  const text = describeError(err);
  const report: PeReport = {
    lamellar: 'failed',
    text,
    ...(cause === undefined ? {} : { origin: cause }),
    ...(relayed === undefined || relayed === pe ? {} : { relayed: true }),
  };
  const end = (): never => process.exit(1);
  if (process.connected && process.send !== undefined) {
    // A failure another PE caused (report.origin) stays up a moment after its report: the
    // launcher waits ORIGIN_WAIT_MS for the cause's own report, and were this PE to end now,
    // its peers would see it lost and the cause would fail of that instead of its own error.
    // The launcher stops this PE once it has reported; the timer is the bound if it does not.
    const linger = report.origin === undefined ? 0 : FOLLOW_ON_LINGER_MS;
    setTimeout(end, REPORT_WAIT_MS + linger).unref();
    process.send(report, undefined, {}, (e) => {
      if (e !== null && e !== undefined) writeSync(2, `${text}\n`);
      if (linger === 0) end();
      else setTimeout(end, linger);
    });
    return;
  }
  writeSync(2, `${text}\n`);
  end();
}

if (process.channel !== undefined) {
  // Unref'd: the channel never keeps a PE alive.
  process.channel.unref();
  process.once('disconnect', () => {
    if (failing) return;
    writeSync(2, `lamellar: PE ${pe}: the launcher went away; stopping this PE\n`);
    process.exit(1);
  });
  // The tcp network thread (ofi's bootstrap runs one too) ends this PE should its launcher go
  // while the script never yields, and with it the 'disconnect' above.
  setPeMonitor({
    launcherPid: process.ppid,
    state(s) {
      if (process.connected) process.send!({ lamellar: 'state', state: s } satisfies PeReport);
    },
  });
  // An error thrown outside the script's top level (a callback, an unawaited promise, or the
  // runtime surfacing a failed job) is reported like one thrown by the script.
  process.on('uncaughtException', (err) => failWith(err));
}

namePeProcess(pe, config().numPes, script!);
try {
  await runScript({ script: script!, args });
} catch (err) {
  // The script's own error: reported at once, and instead of a relayed one still held.
  failWith(err, true);
}
