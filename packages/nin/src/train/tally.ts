/**
 * Sums batch results over an epoch, reading the device scalars in groups so that an
 * asynchronous backend is awaited every few steps rather than every step.
 */
import type { BatchResult } from './step.js';

/** Thrown when a training loss is NaN or infinite; training stops at that step. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';

  constructor(readonly epoch: number, readonly step: number, readonly loss: number) {
    super(`loss is ${loss} at epoch ${epoch}, step ${step}; training stopped (try a lower learning rate)`);
  }
}

/** Running totals of an epoch's batches. */
export class EpochTally {
  /** Examples read so far. */
  examples = 0;
  /** Sum over read examples of their loss (batch mean times batch size). */
  lossSum = 0;
  /** Right predictions among read examples. */
  correct = 0;
  /** Steps read so far. */
  steps = 0;
  private readonly pending: BatchResult[] = [];

  /** @param epoch - 1-based, for the error message of a non-finite loss */
  constructor(private readonly epoch: number, private readonly readEvery: number) {}

  /** Queues a batch's result; reads the queue once it holds `readEvery` results. */
  async add(result: BatchResult): Promise<void> {
    this.pending.push(result);
    if (this.pending.length >= this.readEvery) await this.flush();
  }

  /** Reads every queued result into the totals and frees its tensors. */
  async flush(): Promise<void> {
    const queued = this.pending.splice(0);
    try {
      const values = await Promise.all(queued.map(async (r) => [r.loss ? (await r.loss.data())[0] : 0, (await r.correct.data())[0]] as const));
      values.forEach(([loss, correct], i) => {
        this.steps++;
        if (!Number.isFinite(loss)) throw new NonFiniteLossError(this.epoch, this.steps, loss);
        this.lossSum += loss * queued[i].count;
        this.correct += correct;
        this.examples += queued[i].count;
      });
    } finally {
      for (const r of queued) {
        r.loss?.dispose();
        r.correct.dispose();
      }
    }
  }

  /** Mean loss per read example. */
  get meanLoss(): number {
    return this.examples === 0 ? Number.NaN : this.lossSum / this.examples;
  }

  /** Fraction of read examples predicted right. */
  get accuracy(): number {
    return this.examples === 0 ? Number.NaN : this.correct / this.examples;
  }
}
