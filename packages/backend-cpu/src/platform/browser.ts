/**
 * The CPU backend's host services in a browser: Web Workers on the shared memory where the page is
 * cross-origin isolated (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`), one thread otherwise; no environment variables.
 */
import type { Platform, Threading, WorkerData } from './platform.js';

/** The parts of the browser's globals used here, typed locally (the package does not pull in the DOM library). */
interface BrowserGlobals {
  readonly crossOriginIsolated?: boolean;
  readonly navigator?: { readonly hardwareConcurrency?: number };
  readonly document?: unknown;
  readonly Worker: new (url: string) => { postMessage(data: WorkerData): void };
  readonly Blob: new (parts: string[], options: { type: string }) => object;
  readonly URL: { createObjectURL(blob: object): string };
}

const host = globalThis as unknown as BrowserGlobals;

export const platform: Platform = {
  name: 'browser',
  env: () => undefined,
  threading(): Threading {
    if (host.crossOriginIsolated !== true) {
      return {
        workers: false,
        available: 1,
        reason: 'one thread: the page is not cross-origin isolated, so workers cannot share its memory (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)',
      };
    }
    const available = Math.max(1, host.navigator?.hardwareConcurrency ?? 1);
    return { workers: true, available, reason: `Web Workers on shared memory (the page is cross-origin isolated), ${available} available` };
  },
  startWorker(body: string, data: WorkerData): void {
    const source = `onmessage = (event) => {\nconst { memory, module, names } = event.data;\n${body}\n};`;
    const worker = new host.Worker(host.URL.createObjectURL(new host.Blob([source], { type: 'text/javascript' })));
    worker.postMessage(data);
  },
  waitWhile(control, index, value) {
    // Atomics.wait throws on a page's main thread; the caller's loop re-reads and spins instead.
    if (host.document === undefined) Atomics.wait(control, index, value);
  },
  enableRelaxedSimd() {
    // Browsers that have relaxed SIMD have it on; there is no flag to set from a page.
  },
};
