/**
 * Gradient checking for the properties: tapegrad's analytic gradient (float32, CPU backend) vs
 * central finite differences of the float64 reference forward, on the same float32 inputs.
 */
import { tensor, tidy, type Tensor } from '@tapegrad/core';
import { assertClose, centralDifference, ErrorLog, nd, Rng, type NdArray, type Tolerance } from '../reference/index.js';

/**
 * Tolerance of the finite-difference check, `|a - e| <= atol + rtol * |e|` with `a` tapegrad's
 * float32 gradient and `e` the float64 central difference (step 1e-6, so its own error is ~1e-9):
 * the float32-vs-float64 tolerance of the conformance suite. The largest ratio seen is printed.
 */
export const FD_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-4 };

/** Forward values vs the reference, float32 vs float64. */
export const FORWARD_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-4 };

export interface GradInput {
  readonly shape: readonly number[];
  readonly values: Float32Array;
  /** Check the gradient of this input (default true). */
  readonly check?: boolean;
}

export interface GradCheck {
  /** Row of the summary table. */
  readonly op: string;
  /** Names the case in failure messages. */
  readonly label: string;
  readonly log: ErrorLog;
  /** Draws the seed gradient `dy`. */
  readonly rng: Rng;
  readonly inputs: readonly GradInput[];
  readonly forward: (xs: Tensor[]) => Tensor;
  readonly reference: (xs: NdArray[]) => NdArray;
  readonly tol?: Tolerance;
}

/**
 * Checks forward values and the gradient of every checked input of `forward` (tapegrad) against
 * `reference` (float64) and its central differences, for a random seed `dy`.
 */
export function checkGradients(c: GradCheck): void {
  const { op, label, log, inputs } = c;
  const refInputs = inputs.map((spec) => nd(spec.shape, spec.values));
  const expected = c.reference(refInputs);
  const dyValues = c.rng.floats(expected.data.length);
  let out: Float32Array = new Float32Array(0);
  let grads: (Float32Array | null)[] = [];
  tidy(() => {
    const xs = inputs.map((spec) => tensor(spec.values, spec.shape, { requiresGrad: spec.check !== false }));
    const y = c.forward(xs);
    if (y.shape.length !== expected.shape.length || y.shape.some((e, i) => e !== expected.shape[i])) {
      throw new Error(`${label}: output shape [${y.shape.join(', ')}], reference [${expected.shape.join(', ')}]`);
    }
    y.backward(tensor(dyValues, y.shape));
    out = y.dataSync();
    grads = xs.map((x) => (x.grad ? x.grad.dataSync() : null));
    for (const x of xs) x.grad?.dispose();
  });
  log.record(op, 'forward', assertClose(`${label}: forward`, out, expected.data, FORWARD_TOLERANCE, expected.shape));
  inputs.forEach((spec, i) => {
    if (spec.check === false) return;
    const g = grads[i];
    if (!g) throw new Error(`${label}: input ${i} got no gradient`);
    const numeric = centralDifference((xi) => {
      const args = refInputs.map((r, j) => (j === i ? { shape: r.shape, data: xi } : r));
      return c.reference(args).data;
    }, refInputs[i].data, dyValues);
    log.record(op, 'grad vs FD', assertClose(`${label}: gradient of input ${i} vs central differences`, g, numeric, c.tol ?? FD_TOLERANCE, spec.shape));
  });
}
