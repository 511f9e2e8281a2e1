/** The suite's short soak: 4 s of the soak's traffic on shmem and tcp; memory is judged by `npm run soak`. */
import { soak } from '../soak/soak.js';

soak(4, false);
