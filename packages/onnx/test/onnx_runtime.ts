/** Running exported ONNX bytes in ONNX Runtime (onnxruntime-node, CPU) and comparing with tapegrad. */
import { noGrad, tensor, tidy } from '@tapegrad/core';
import type { Module } from '@tapegrad/nn';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';

/** One float32 array and its shape. */
export interface Values {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/**
 * The output of the ONNX model `bytes` for `input`, from an ONNX Runtime CPU session on one
 * thread (the test machine's cores are shared) with its graph optimisations (fusions) on, as when
 * serving.
 */
export async function runOnnx(bytes: Uint8Array, input: Values, names = { input: 'input', output: 'output' }): Promise<Values> {
  const session = await InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] });
  try {
    const feeds = { [names.input]: new OrtTensor('float32', input.data, [...input.shape]) };
    const out = (await session.run(feeds))[names.output];
    if (out.type !== 'float32') throw new Error(`ONNX output is ${out.type}, expected float32`);
    return { data: out.data as Float32Array, shape: out.dims };
  } finally {
    await session.release();
  }
}

/** `model`'s output for `input` in evaluation mode, without recording; the model's mode is restored. */
export async function runTapegrad(model: Module, input: Values): Promise<Values> {
  const wasTraining = model.training;
  model.eval();
  try {
    const y = noGrad(() => tidy(() => model.forward(tensor(input.data, [...input.shape]))));
    const data = await y.data();
    const shape = [...y.shape];
    y.dispose();
    return { data, shape };
  } finally {
    model.train(wasTraining);
  }
}

/** How far two outputs are apart: the largest absolute difference, and it over the largest |expected|. */
export interface Agreement {
  readonly maxAbs: number;
  readonly maxRef: number;
  /** `maxAbs / maxRef`: the difference relative to the output's scale. */
  readonly relative: number;
}

/** The agreement of `actual` with `expected` (same shape, else throws). */
export function agreement(actual: Values, expected: Values): Agreement {
  if (actual.shape.join() !== expected.shape.join()) throw new Error(`shape [${actual.shape.join(', ')}] vs expected [${expected.shape.join(', ')}]`);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i] - expected.data[i]);
    // A NaN anywhere counts as no agreement.
    maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    maxRef = Math.max(maxRef, Math.abs(expected.data[i]));
  }
  return { maxAbs, maxRef, relative: maxRef === 0 ? maxAbs : maxAbs / maxRef };
}

/** Seeded uniform values in `[lo, hi)` (a small LCG, so inputs do not depend on tapegrad's generator). */
export function uniformValues(shape: readonly number[], seed: number, lo = -1, hi = 1): Values {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = lo + ((state >>> 8) / 2 ** 24) * (hi - lo);
  }
  return { data, shape };
}
