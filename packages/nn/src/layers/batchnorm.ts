/** `BatchNorm1d` and `BatchNorm2d`: batch normalisation over the channel axis, with running statistics. */
import {
  add, booleanOption, checkKnownOptions, describeValue, div, formatShape, mean, mul, noGrad, ones, reshape, sqrt, sub, tidy, zeros,
  type Tensor,
} from '@tapegrad/core';
import { Module } from '../module.js';

/** Options of the batch-norm layers, as PyTorch's keyword arguments (camelCase). */
export interface BatchNormOptions {
  /** Added to the variance before the square root; default 1e-5. */
  eps?: number;
  /**
   * Weight of the new batch in the running averages: `running = (1 - momentum) * running +
   * momentum * batch`; default 0.1. `null` for the cumulative average (`momentum = 1 /
   * numBatchesTracked`), as PyTorch's `momentum=None`.
   */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` and shift `bias`; default true. */
  affine?: boolean;
  /** Keep running mean and variance (used in eval mode); default true. Without them, eval mode uses batch statistics too. */
  trackRunningStats?: boolean;
}

const BATCH_NORM_OPTIONS = ['eps', 'momentum', 'affine', 'trackRunningStats'] as const satisfies readonly (keyof BatchNormOptions)[];

/**
 * What the two layers share (PyTorch's `_BatchNorm`): parameters `weight` (ones) and `bias` (zeros)
 * `[C]` when affine; buffers `running_mean` (zeros), `running_var` (ones) `[C]` and the int64
 * counter `num_batches_tracked` `[]` when tracking, registered in that order, so the state-dict
 * keys are PyTorch's.
 */
abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** `[numFeatures]`, or null without affine. */
  readonly weight: Tensor | null;
  /** `[numFeatures]`, or null without affine. */
  readonly bias: Tensor | null;
  /** `[numFeatures]`, or null without running statistics. */
  readonly runningMean: Tensor | null;
  /** `[numFeatures]` (the unbiased batch variances, averaged), or null without running statistics. */
  readonly runningVar: Tensor | null;
  /** `[]`, the number of training batches seen (float32 here, I64 in safetensors), or null without running statistics. */
  readonly numBatchesTracked: Tensor | null;

  protected constructor(private readonly op: string, readonly numFeatures: number, options: BatchNormOptions) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new Error(`${op}: numFeatures must be a positive integer, got ${describeValue(numFeatures)}`);
    checkKnownOptions(op, options, BATCH_NORM_OPTIONS);
    const eps = options.eps ?? 1e-5;
    if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) throw new Error(`${op}: eps must be a finite number > 0, got ${describeValue(eps)}`);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) {
      throw new Error(`${op}: momentum must be a number in [0, 1] or null (cumulative average), got ${describeValue(momentum)}`);
    }
    this.eps = eps;
    this.momentum = momentum;
    this.affine = booleanOption(op, 'affine', options.affine, true);
    this.trackRunningStats = booleanOption(op, 'trackRunningStats', options.trackRunningStats, true);
    this.weight = this.affine ? this.registerParameter('weight', ones([numFeatures])) : null;
    this.bias = this.affine ? this.registerParameter('bias', zeros([numFeatures])) : null;
    this.runningMean = this.trackRunningStats ? this.registerBuffer('running_mean', zeros([numFeatures])) : null;
    this.runningVar = this.trackRunningStats ? this.registerBuffer('running_var', ones([numFeatures])) : null;
    this.numBatchesTracked = this.trackRunningStats ? this.registerBuffer('num_batches_tracked', zeros([]), { dtype: 'int64' }) : null;
  }

  /** Running mean 0, running variance 1, no batches seen (PyTorch's `reset_running_stats`). */
  resetRunningStats(): void {
    noGrad(() => tidy(() => {
      this.runningMean?.assign(zeros([this.numFeatures]));
      this.runningVar?.assign(ones([this.numFeatures]));
      this.numBatchesTracked?.assign(zeros([]));
    }));
  }

  /** Running statistics reset, and `weight` 1 and `bias` 0 (PyTorch's `reset_parameters`). */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => tidy(() => {
      this.weight?.assign(ones([this.numFeatures]));
      this.bias?.assign(zeros([this.numFeatures]));
    }));
  }

  /** Throws unless `x` has an accepted rank and `numFeatures` channels on axis 1. */
  protected abstract checkInput(x: Tensor): void;

  /**
   * `y = (x - mean) / sqrt(var + eps) * weight + bias` per channel (axis 1). In training mode (or
   * without running statistics) `mean` and the biased `var` are the batch's, over every axis but 1,
   * and the running averages take in the batch mean and the *unbiased* batch variance
   * (`var * n / (n - 1)`), as PyTorch; in eval mode the running averages are used.
   */
  forward(x: Tensor): Tensor {
    x.assertLive(this.op);
    this.checkInput(x);
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const statShape = x.shape.map((extent, i) => (i === 1 ? extent : 1));
    const batchStats = this.training || !this.trackRunningStats;
    let centered: Tensor;
    let variance: Tensor;
    if (batchStats) {
      const count = x.size / this.numFeatures;
      if (count <= 1) throw new Error(`${this.op}: expected more than 1 value per channel when training, got input ${formatShape(x.shape)}`);
      const batchMean = mean(x, axes, true);
      centered = sub(x, batchMean);
      variance = mean(mul(centered, centered), axes, true);
      if (this.training && this.trackRunningStats) this.updateRunningStats(batchMean, variance, count);
    } else {
      centered = sub(x, reshape(this.runningMean as Tensor, statShape));
      variance = reshape(this.runningVar as Tensor, statShape);
    }
    const normalized = div(centered, sqrt(add(variance, this.eps)));
    if (!this.weight || !this.bias) return normalized;
    return add(mul(normalized, reshape(this.weight, statShape)), reshape(this.bias, statShape));
  }

  /** `running = (1 - f) * running + f * batch`, `f` the momentum or, when null, 1 / batches seen. */
  private updateRunningStats(batchMean: Tensor, biasedVar: Tensor, count: number): void {
    const runningMean = this.runningMean as Tensor;
    const runningVar = this.runningVar as Tensor;
    const batches = this.numBatchesTracked as Tensor;
    noGrad(() => tidy(() => {
      batches.assign(add(batches, 1));
      // On the device, so that a loaded num_batches_tracked counts without a read.
      const factor = this.momentum ?? div(1, batches);
      const retain = typeof factor === 'number' ? 1 - factor : sub(1, factor);
      const blend = (running: Tensor, batch: Tensor): Tensor => add(mul(running, retain), mul(reshape(batch, [this.numFeatures]), factor));
      runningMean.assign(blend(runningMean, batchMean));
      runningVar.assign(blend(runningVar, mul(biasedVar, count / (count - 1))));
    }));
  }

  protected override extraRepr(): string {
    const flags = `${this.affine ? '' : ', affine=false'}${this.trackRunningStats ? '' : ', trackRunningStats=false'}`;
    return `numFeatures=${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}${flags}`;
  }
}

/**
 * Batch normalisation of `[N, C]` or `[N, C, L]` input over `N` (and `L`), per channel `C`, as
 * PyTorch's `nn.BatchNorm1d(numFeatures, eps=1e-5, momentum=0.1, affine=true,
 * track_running_stats=true)`. The output has the input's shape. State-dict keys: `weight`, `bias`,
 * `running_mean`, `running_var`, `num_batches_tracked`.
 *
 * @example
 * const bn = new BatchNorm1d(64);
 * const y = bn.forward(x);          // x [N, 64] in training mode: batch statistics
 * bn.eval();                        // from here on: the running averages
 */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, options);
  }

  protected checkInput(x: Tensor): void {
    if (x.rank !== 2 && x.rank !== 3) throw new Error(`BatchNorm1d: input must be 2-D [N, C] or 3-D [N, C, L], got ${formatShape(x.shape)}`);
    if (x.shape[1] !== this.numFeatures) throw new Error(`BatchNorm1d: input ${formatShape(x.shape)} has ${x.shape[1]} channels, expected ${this.numFeatures}`);
  }
}

/**
 * Batch normalisation of `[N, C, H, W]` input over `N`, `H` and `W`, per channel `C`, as PyTorch's
 * `nn.BatchNorm2d(numFeatures, eps=1e-5, momentum=0.1, affine=true, track_running_stats=true)`.
 * The output has the input's shape. State-dict keys: `weight`, `bias`, `running_mean`,
 * `running_var`, `num_batches_tracked` (saved as I64, as PyTorch).
 *
 * @example
 * const net = new Sequential(new Conv2d(1, 6, 5), new BatchNorm2d(6), new ReLU());
 */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, options);
  }

  protected checkInput(x: Tensor): void {
    if (x.rank !== 4) throw new Error(`BatchNorm2d: input must be 4-D [N, C, H, W], got ${formatShape(x.shape)}`);
    if (x.shape[1] !== this.numFeatures) throw new Error(`BatchNorm2d: input ${formatShape(x.shape)} has ${x.shape[1]} channels, expected ${this.numFeatures}`);
  }
}
