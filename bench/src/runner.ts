/** What the bench times: one framework's NiN with its parameters, optimizer state and a fixed batch. */

/** A result and the milliseconds it took (measured by the runner, so a child process's IPC is excluded). */
export interface Timed<T> {
  readonly ms: number;
  readonly value: T;
}

export interface Runner {
  /** Column name in the report, e.g. `tfjs-wasm`. */
  readonly name: string;
  /** One training step (forward in train mode, cross-entropy, backward, Adam); the value is the loss. */
  train(): Promise<Timed<number>>;
  /** One forward pass in eval mode; the value is the logits `[batch, classes]`. */
  infer(): Promise<Timed<Float32Array>>;
  /** Frees what the runner holds. */
  dispose(): Promise<void>;
}

/** Times an in-process step, including the read-back that forces its result. */
export async function timed<T>(step: () => Promise<T>): Promise<Timed<T>> {
  const start = performance.now();
  const value = await step();
  return { ms: performance.now() - start, value };
}
