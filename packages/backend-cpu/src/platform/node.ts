/** The CPU backend's host services in Node: environment variables, worker_threads, V8 flags. */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Platform, Threading, WorkerData } from './platform.js';

export const platform: Platform = {
  name: 'node',
  env: (name) => process.env[name],
  threading(): Threading {
    const available = availableParallelism();
    return { workers: true, available, reason: `worker threads (node:worker_threads), ${available} available` };
  },
  startWorker(body: string, data: WorkerData): void {
    // A dynamic import works whether Node evaluates the script as CommonJS or, under a parent run
    // with --input-type=module (which workers inherit), as an ES module.
    const source = `import('node:worker_threads').then(({ workerData: { memory, module, names } }) => {\n${body}\n});`;
    new Worker(source, { eval: true, workerData: data }).unref();
  },
  waitWhile(control, index, value) {
    Atomics.wait(control, index, value);
  },
  enableRelaxedSimd() {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  },
};
