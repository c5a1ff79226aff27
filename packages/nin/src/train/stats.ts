/** What one epoch of training measured, and the chapter's one-line report of it. */

/** Loss and accuracies of one epoch. */
export interface EpochStats {
  /** 1-based. */
  readonly epoch: number;
  /** Mean cross-entropy per training example over the epoch (train mode, as the weights moved). */
  readonly loss: number;
  /** Fraction of training examples classified right during the epoch (train mode). */
  readonly trainAcc: number;
  /** Fraction of test examples classified right after the epoch (eval mode). */
  readonly testAcc: number;
  /** Wall-clock seconds of the epoch, test evaluation included. */
  readonly seconds: number;
}

/** `epoch 1, loss 0.5123, train acc 0.812, test acc 0.845, time 41.2 sec`. */
export function formatEpochStats(stats: EpochStats): string {
  return `epoch ${stats.epoch}, loss ${stats.loss.toFixed(4)}, train acc ${stats.trainAcc.toFixed(3)}, ` +
    `test acc ${stats.testAcc.toFixed(3)}, time ${stats.seconds.toFixed(1)} sec`;
}

/** Whether `value` is a well-formed `EpochStats` (e.g. read back from a checkpoint). */
export function isEpochStats(value: unknown): value is EpochStats {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['epoch', 'loss', 'trainAcc', 'testAcc', 'seconds'].every((key) => typeof v[key] === 'number');
}
