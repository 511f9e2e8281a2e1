// Entry of a baseline worker thread: a new thread does not inherit the tsx loader of the thread
// that started it, so register tsx here and then import the TypeScript module named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
