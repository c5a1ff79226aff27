/**
 * What the CPU backend needs from its host, in one small interface with a Node and a browser
 * implementation (`node.ts`, `browser.ts`). Which one a build gets is decided by the package's
 * `imports` map: `#platform` resolves to `browser.js` under the `browser` condition (bundlers for
 * the web), else to `node.js`.
 */

/** What a worker receives: the compiled kernels, the shared memory and the kernels' names by number. */
export interface WorkerData {
  readonly memory: unknown;
  readonly module: unknown;
  readonly names: readonly string[];
}

/** How many threads may share large kernels here, and why. */
export interface Threading {
  /** Whether worker threads can share the memory here. */
  readonly workers: boolean;
  /** Threads (this one included) the host has: the default thread count. */
  readonly available: number;
  /** One line saying which kind of threads run and why, e.g. why only one. */
  readonly reason: string;
}

/** The host services the CPU backend uses. */
export interface Platform {
  /** `'node'` or `'browser'`. */
  readonly name: 'node' | 'browser';
  /** A configuration variable (`TAPEGRAD_CPU_THREADS`, ...): the environment's in Node, none in a browser. */
  env(name: string): string | undefined;
  /** Threads available to share the kernels here. */
  threading(): Threading;
  /**
   * Starts a worker thread running `body`, a script that finds `memory`, `module` and `names`
   * (from `data`) in scope. The worker never keeps the host alive.
   */
  startWorker(body: string, data: WorkerData): void;
  /**
   * Waits while `control[index]` holds `value`, where this thread may block (`Atomics.wait`);
   * returns at once where it may not (a page's main thread), so the caller's loop spins.
   */
  waitWhile(control: Int32Array, index: number, value: number): void;
  /** Switches on relaxed SIMD where the engine has it behind a flag (before the kernels compile). */
  enableRelaxedSimd(): void;
}
