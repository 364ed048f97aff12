export { drain } from './drain.js';
export { enqueue } from './enqueue.js';
export { latency } from './latency.js';
export { concurrencyCap } from './concurrency-cap.js';
export { noisyNeighbour } from './noisy-neighbour.js';
export { lostLeases } from './lost-leases.js';
