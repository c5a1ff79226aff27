/** What the chapter's model constructors share: checking their options and scaling their widths. */
import { checkKnownOptions, describeValue } from '@tapegrad/core';

/** Options every model of the chapter takes. */
export interface ModelScale {
  /**
   * Divides every channel count and hidden width: `c` becomes `max(1, floor(c / widthDivisor))`,
   * as the chapter's `ratio` for VGG's `small_conv_arch`; default 1 (the chapter's widths).
   */
  readonly widthDivisor?: number;
  /** Output classes; default 10 (Fashion-MNIST). */
  readonly numClasses?: number;
}

/** Checks `options` of model `op` (only `known` keys) and resolves the shared ones. */
export function resolveScale(op: string, options: ModelScale, known: readonly string[]): { widthDivisor: number; numClasses: number } {
  checkKnownOptions(op, options, known);
  return {
    widthDivisor: positiveInteger(op, 'widthDivisor', options.widthDivisor, 1),
    numClasses: positiveInteger(op, 'numClasses', options.numClasses, 10),
  };
}

/** `value` when it is a positive integer, `fallback` when undefined. @throws naming `op` and `name` otherwise */
export function positiveInteger(op: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${describeValue(value)}`);
  return value;
}

/** `value` when it is a probability in [0, 1], `fallback` when undefined. @throws naming `op` and `name` otherwise */
export function probability(op: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error(`${op}: ${name} must be a probability in [0, 1], got ${describeValue(value)}`);
  return value;
}

/** The chapter's width `channels` divided by `widthDivisor`, rounded down, at least 1. */
export function scaleWidth(channels: number, widthDivisor: number): number {
  return Math.max(1, Math.floor(channels / widthDivisor));
}
