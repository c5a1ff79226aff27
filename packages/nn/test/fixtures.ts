/** Reading the PyTorch fixtures (tools/fixtures/generate.py) and comparing against them. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, type Tensor } from '@tapegrad/core';

/** The directory of the PyTorch fixtures. */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/torch/', import.meta.url));

/** A fixture tensor: float32 values as shortest round-trip decimals. */
export interface JsonTensor {
  shape: number[];
  data: number[];
}

/** Parses `name` from the fixtures directory. */
export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as T;
}

/** A fixture tensor as a tapegrad tensor (exact float32 values). */
export function fromJson(t: JsonTensor, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(t.data), t.shape, { requiresGrad });
}

/** Largest absolute difference and largest relative difference (`|a - e| / |e|`, where e != 0). */
export function differences(actual: ArrayLike<number>, expected: ArrayLike<number>): { abs: number; rel: number } {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = Math.fround(expected[i]);
    const d = Math.abs(actual[i] - e);
    abs = Math.max(abs, d);
    if (e !== 0) rel = Math.max(rel, d / Math.abs(e));
  }
  return { abs, rel };
}
