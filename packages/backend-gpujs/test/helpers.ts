/** Shared helpers of the gpujs tests: seeded randoms and a backend-vs-CPU comparison. */
import type { Backend, DataId } from '@tapegrad/core';
import { expect } from 'vitest';
import { ReferenceBackend } from './reference.js';

/** A small seeded generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` uniform values in [lo, hi). */
export function randomValues(random: () => number, size: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * random();
  return out;
}

export async function readAll(backend: Backend, id: DataId): Promise<Float32Array> {
  return (await backend.read(id)).slice();
}

/** Largest |a - e| / (atol + rtol |e|) (<= 1 passes); also checks NaN/Inf agree. */
export function worstRatio(actual: Float32Array, expected: Float32Array, atol: number, rtol: number): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) return Infinity;
      continue;
    }
    const ratio = Math.abs(a - e) / (atol + rtol * Math.abs(e));
    if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : Math.max(worst, ratio);
  }
  return worst;
}

/** Largest absolute difference, and largest difference relative to max(|expected|, 1) (for reports). */
export function maxAbsDiff(actual: Float32Array, expected: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (Number.isFinite(d)) worst = Math.max(worst, d);
  }
  return worst;
}

export function maxRelDiff(actual: Float32Array, expected: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1);
    if (Number.isFinite(d)) worst = Math.max(worst, d);
  }
  return worst;
}

function describeMismatch(actual: Float32Array, expected: Float32Array, atol: number, rtol: number): string {
  const bad: string[] = [];
  for (let i = 0; i < expected.length && bad.length < 6; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]))
      && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i])) && !Object.is(actual[i], expected[i])) {
      bad.push(`[${i}] got ${actual[i]} expected ${expected[i]}`);
    }
  }
  return bad.join('; ');
}

const reference = new ReferenceBackend();

/**
 * Runs `kernel` on the gpujs backend, on a float64 reference and on the CPU backend, over the same
 * inputs: gpujs must match the reference, and the CPU backend (parity) must match gpujs.
 */
export async function compareKernel(
  gpu: Backend,
  cpu: Backend,
  inputs: readonly { values: Float32Array; shape: readonly number[] }[],
  kernel: (backend: Backend, ids: DataId[]) => DataId,
  tolerance: { atol?: number; rtol?: number } = {},
): Promise<{ actual: Float32Array; expected: Float32Array; maxAbs: number; maxRel: number }> {
  const atol = tolerance.atol ?? 1e-5;
  const rtol = tolerance.rtol ?? 1e-4;
  const run = async (backend: Backend): Promise<Float32Array> => {
    const ids = inputs.map((input) => backend.write(input.values, input.shape));
    const out = kernel(backend, ids);
    const values = await readAll(backend, out);
    for (const id of [...ids, out]) backend.disposeData(id);
    return values;
  };
  const actual = await run(gpu);
  const expected = await run(reference as unknown as Backend);
  expect(reference.numDataIds(), 'the reference backend freed every storage of the comparison').toBe(0);
  const ratio = worstRatio(actual, expected, atol, rtol);
  if (!(ratio <= 1)) expect.fail(`gpujs differs from the float64 reference (worst ratio ${ratio}): ${describeMismatch(actual, expected, atol, rtol)}`);
  const cpuValues = await run(cpu);
  const cpuRatio = worstRatio(actual, cpuValues, atol, rtol);
  if (!(cpuRatio <= 1)) {
    const cpuVsReference = worstRatio(cpuValues, expected, atol, rtol);
    expect.fail(`gpujs and the CPU backend differ (worst ratio ${cpuRatio}; CPU vs float64 reference ratio ${cpuVsReference}${cpuVsReference > 1 ? ': the CPU backend is off' : ''}): ${describeMismatch(actual, cpuValues, atol, rtol)}`);
  }
  return { actual, expected, maxAbs: maxAbsDiff(actual, expected), maxRel: maxRelDiff(actual, expected) };
}
