/**
 * The worker threads' waiting: between ops a thread spins only briefly (SPIN_MS) and then blocks,
 * so an idle process burns no CPU, and ops that follow one another still run on every thread.
 */
import { describe, expect, it } from 'vitest';
import { matmulKernel } from '../src/kernels/gemm.js';
import { free, malloc, view } from '../src/wasm/runtime.js';
import { threadCount } from '../src/wasm/threads.js';
import { random } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU milliseconds this process (every thread, workers included) spends over `ms` of idle wall time. */
async function cpuWhileIdle(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

describe('worker threads between ops', () => {
  it.skipIf(threadCount === 1)(`block after a short spin: an idle process uses next to no CPU (${threadCount} threads)`, async () => {
    const n = 256;
    const a = malloc(n * n);
    const c = malloc(n * n);
    try {
      view(a, n * n).set(random(n * n));
      // A product large enough to split across the threads wakes the workers; ops back to back keep them busy.
      for (let i = 0; i < 5; i++) matmulKernel(a, a, c, { batch: 1, m: n, n, k: n, transA: false, transB: false, aBatch: 1, bBatch: 1 });
      await sleep(20);
      // A worker that never blocked would spend the whole 300 ms spinning.
      expect(await cpuWhileIdle(300)).toBeLessThan(100);
      // And the next op still runs, split across the threads as before.
      matmulKernel(a, a, c, { batch: 1, m: n, n, k: n, transA: false, transB: false, aBatch: 1, bBatch: 1 });
      expect(view(c, n * n).every(Number.isFinite)).toBe(true);
    } finally {
      free(a, n * n);
      free(c, n * n);
    }
  });
});
