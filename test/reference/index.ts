/** Float64 reference implementations of every tapegrad op (test-only), and test helpers. */
export * from './ndarray.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './linalg.js';
export * from './conv.js';
export * from './loss.js';
export * from './compare.js';
export * from './fd.js';
export * from './rng.js';
export * from './selection.js';
export * from './adaptive_pool.js';
export * from './one_hot.js';
export * from './region.js';
export * from './optim.js';
export * from './indexing.js';
