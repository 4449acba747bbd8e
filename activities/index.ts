/** Every activity a review-cycle worker registers, by name. */
export * from './host.js';
