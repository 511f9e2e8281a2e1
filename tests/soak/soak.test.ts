/** `npm run soak`: the long soak, memory judged (SOAK_SECS, default 60). See soak.ts. */
import { soak } from './soak.js';

soak(Number(process.env['SOAK_SECS'] ?? 60), true);
