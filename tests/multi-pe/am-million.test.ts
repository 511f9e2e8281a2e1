import { conformance } from '../helpers/conformance.js';

conformance('am-million.ts', ['1000000 small AMs from every PE each run exactly once'], { timeoutMs: 120000 });
