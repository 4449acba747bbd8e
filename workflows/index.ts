/** Every workflow a review-cycle worker runs; the worker bundles this module. */
export * from './human-review.js';
export * from './nightly-tick.js';
export * from './ping.js';
export * from './review-cycle.js';
export * from './train-model.js';
