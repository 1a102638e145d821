export { manualClock, systemClock, type Clock } from './clock.js';
export * from './list-types.js';
export * from './open.js';
export * from './records.js';
export * from './store.js';
export * from './summary.js';
export * from './synthetic.js';
export { Lru } from './lru.js';
export { TurnBatch } from './turn-batch.js';
