/**
 * fast-check settings shared by every property: one fixed seed (reproducible in CI) and the number
 * of runs of each property, in one table so that the suite's total is known statically.
 */
import fc from 'fast-check';

export const SEED = 20261126;

/** Runs per property. Every property in `test/properties/` takes its count from here. */
export const RUNS = {
  // finite_differences.test.ts: central differences vs tapegrad's analytic gradient.
  'fd neg': 30, 'fd exp': 30, 'fd log': 30, 'fd sqrt': 30, 'fd relu': 30, 'fd sigmoid': 30, 'fd tanh': 30,
  'fd add': 40, 'fd sub': 40, 'fd mul': 40, 'fd div': 40, 'fd pow': 40, 'fd maximum': 40,
  'fd matmul': 60,
  'fd transpose': 30, 'fd reshape': 20, 'fd flatten': 20,
  'fd sum': 40, 'fd mean': 40, 'fd max': 40,
  'fd logSoftmax': 30, 'fd softmax': 30, 'fd crossEntropy': 40,
  'fd conv2d': 100,
  'fd conv2d NiN k11 s4 p0': 2, 'fd conv2d NiN k5 p2': 3, 'fd conv2d NiN k3 p1': 4, 'fd conv2d NiN 1x1': 4,
  'fd conv2d dilation groups': 60,
  'fd maxPool2d': 60, 'fd maxPool2d NiN 3/2': 8, 'fd avgPool2d': 60, 'fd globalAvgPool2d': 20,
  'fd dropout': 20,
  'fd composite': 30,
  // adjoint.test.ts
  'adjoint conv2d': 60, 'adjoint conv2d dilation groups': 60, 'adjoint avgPool2d': 50, 'adjoint maxPool2d': 40, 'adjoint matmul': 60, 'adjoint transpose': 50,
  // ties.test.ts
  'ties maxPool2d': 60, 'ties max': 60, 'ties argmax': 40,
  // selection.test.ts: abs, clamp, minimum, min, where
  'fd abs': 30, 'fd clamp': 40, 'fd minimum': 40, 'fd min': 40, 'fd where': 40,
  'ties minimum': 40, 'ties min': 60, 'ties clamp': 40,
  // adaptive_pool.test.ts
  'fd adaptiveAvgPool2d': 40,
  // region.test.ts: slice, narrow, pad, concat, stack
  'fd slice': 40, 'fd narrow': 30, 'fd pad': 40, 'fd concat': 40, 'fd stack': 30,
  'adjoint slice pad': 50, 'adjoint concat stack': 40,
  // indexing.test.ts: gather, indexSelect
  'fd gather': 40, 'fd indexSelect': 40, 'adjoint gather indexSelect': 40,
  // autograd.test.ts
  'broadcast gradients': 80, 'double backward': 30, 'noGrad': 30, 'grad helpers': 30,
} as const;

export type PropertyName = keyof typeof RUNS;

/** Total fast-check runs of the suite (the sum of RUNS). */
export const TOTAL_RUNS = Object.values(RUNS).reduce((a: number, b: number) => a + b, 0);

/** fast-check parameters for one property: the shared seed and its run count. */
export function params<T>(name: PropertyName): fc.Parameters<T> {
  const numRuns = RUNS[name];
  if (numRuns === undefined) throw new Error(`no run count for property '${name}' in RUNS`);
  return { seed: SEED, numRuns };
}

/** A seed for the test's own value generator (values are drawn from it, shapes from fast-check). */
export const valueSeed = fc.integer({ min: 0, max: 0x7fffffff });

/** A shape of rank in [minRank, maxRank] with extents in [1, maxExtent]. */
export function shapeArb(minRank: number, maxRank: number, maxExtent = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxExtent }), { minLength: minRank, maxLength: maxRank });
}
