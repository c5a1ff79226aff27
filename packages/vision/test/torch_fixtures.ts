/** The PyTorch fixtures of the chapter's models (tools/fixtures/generate.py, `vision_*`), and comparing against them. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { VisionModelName, VisionModelOptions } from '../src/index.js';

/** `test/fixtures/torch/vision/` at the repository root. */
export const VISION_FIXTURES = fileURLToPath(new URL('../../../test/fixtures/torch/vision/', import.meta.url));

/** `<model>.json`: how the model was built, the labels of the training step, its keys and layer shapes. */
export interface ModelFixture<K extends VisionModelName = VisionModelName> {
  model: K;
  options: VisionModelOptions[K];
  labels: number[];
  /** `state_dict()` keys, in order. */
  keys: string[];
  /** Each top-level layer's name and output shape for the first image, `[1, 1, S, S]`. */
  summary: [string, number[]][];
  /** Per parameter, `max |g32 - g64|`: how far PyTorch's float32 gradient is from its float64 one. */
  float32Rounding: Record<string, number>;
}

/** The fixture of `name`, with the paths of its two safetensors files. */
export function modelFixture(name: VisionModelName): { fixture: ModelFixture; weights: string; step: string } {
  const fixture = JSON.parse(readFileSync(`${VISION_FIXTURES}${name}.json`, 'utf8')) as ModelFixture;
  return { fixture, weights: `${VISION_FIXTURES}${name}.safetensors`, step: `${VISION_FIXTURES}${name}_step.safetensors` };
}

/**
 * How far `actual` is from `expected`, relative to the expected tensor's scale:
 * `max |a - e| / max(max |e|, floor)` (NaN anywhere gives NaN).
 * @throws when the lengths differ
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 0): number {
  if (actual.length !== expected.length) throw new Error(`relativeError: ${actual.length} values vs ${expected.length} expected`);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** The largest magnitude in any of `tensors`. */
export function largestMagnitude(tensors: Iterable<ArrayLike<number>>): number {
  let largest = 0;
  for (const values of tensors) for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]));
  return largest;
}
