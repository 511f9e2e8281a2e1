/**
 * Entry of a PE process started by the tcp launcher: `node pe-process.js <script> [args...]`,
 * with the PE's identity, job id, secret and rendezvous in its environment.
 */
import { runScript } from './entry.js';

const [script, ...args] = process.argv.slice(2);

// The launcher keeps an IPC channel to every PE only to notice its own death: if the channel
// closes, the PE stops instead of running on orphaned. Unref'd, so it never keeps a PE alive.
if (process.channel !== undefined) {
  process.channel.unref();
  process.once('disconnect', () => {
    process.stderr.write('lamellar: the launcher went away; stopping this PE\n');
    process.exit(1);
  });
}

await runScript({ script: script!, args });
