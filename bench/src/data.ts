/**
 * Deterministic parameters, inputs and labels for a network, so that every framework starts from
 * the same values (the bench checks that their first outputs agree).
 */
import { createGenerator } from '@tapegrad/core';
import { readFileSync, writeFileSync } from 'node:fs';
import { convolutions, type ConvGeometry, type NetworkSpec } from './networks.js';

export interface ConvParams {
  readonly geometry: ConvGeometry;
  /** `[O, C, k, k]` (OIHW). */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface NetworkData {
  readonly spec: NetworkSpec;
  readonly convs: readonly ConvParams[];
  /** `[batch, C, H, W]` (NCHW), values in [0, 1). */
  readonly x: Float32Array;
  readonly labels: Int32Array;
}

/**
 * PyTorch's default conv initialisation: weight and bias uniform in +-1/sqrt(fan_in), drawn from
 * core's `createGenerator(seed)`; every framework is fed these same values.
 */
export function makeData(spec: NetworkSpec, seed = 1): NetworkData {
  const generator = createGenerator(seed);
  const next = (): number => generator.uniform();
  const uniform = (size: number, bound: number): Float32Array => Float32Array.from({ length: size }, () => (2 * next() - 1) * bound);
  const convs = convolutions(spec).map((geometry) => {
    const fanIn = geometry.inChannels * geometry.kernel * geometry.kernel;
    const bound = 1 / Math.sqrt(fanIn);
    return { geometry, weight: uniform(geometry.outChannels * fanIn, bound), bias: uniform(geometry.outChannels, bound) };
  });
  const [c, h, w] = spec.input;
  const x = Float32Array.from({ length: spec.batch * c * h * w }, next);
  const labels = Int32Array.from({ length: spec.batch }, (_, i) => i % spec.classes);
  return { spec, convs, x, labels };
}

/** Writes weights and biases in layer order, then x, then labels, as little-endian float32 (for the PyTorch child). */
export function writeRaw(data: NetworkData, path: string): void {
  const parts = [...data.convs.flatMap((conv) => [conv.weight, conv.bias]), data.x, Float32Array.from(data.labels)];
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  writeFileSync(path, new Uint8Array(all.buffer));
}

/** OIHW `[O, C, k, k]` to HWIO `[k, k, C, O]` (TensorFlow's filter layout). */
export function oihwToHwio(weight: Float32Array, o: number, c: number, k: number): Float32Array {
  const out = new Float32Array(weight.length);
  // out[(ky, kx, ci, co)] = weight[(co, ci, ky, kx)].
  for (let co = 0; co < o; co++) for (let ci = 0; ci < c; ci++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
    out[((ky * k + kx) * c + ci) * o + co] = weight[((co * c + ci) * k + ky) * k + kx];
  }
  return out;
}

/** NCHW to NHWC. */
export function nchwToNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  // out[(b, y, x, ch)] = x[(b, ch, y, x)].
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + ch] = x[(b * c + ch) * h * w + i];
  return out;
}

/** Reads what `writeRaw` wrote for `spec`. */
export function readRaw(spec: NetworkSpec, path: string): NetworkData {
  const all = new Float32Array(new Uint8Array(readFileSync(path)).buffer);
  let at = 0;
  const take = (count: number): Float32Array => all.slice(at, (at += count));
  const convs = convolutions(spec).map((geometry) => ({
    geometry,
    weight: take(geometry.outChannels * geometry.inChannels * geometry.kernel * geometry.kernel),
    bias: take(geometry.outChannels),
  }));
  const [c, h, w] = spec.input;
  const x = take(spec.batch * c * h * w);
  return { spec, convs, x, labels: Int32Array.from(take(spec.batch)) };
}
