/**
 * adaptiveAvgPool2d: central finite differences of the float64 reference (PyTorch's windows, by
 * direct loops) against tapegrad's gradient, over random input and output sizes: output 1,
 * sizes that divide the input (uniform windows), sizes that do not (overlapping windows), outputs
 * larger than the input, and null extents.
 */
import '@tapegrad/backend-cpu';
import { adaptiveAvgPool2d } from '@tapegrad/core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as R from '../reference/index.js';
import { Rng, sizeOf } from '../reference/index.js';
import { params, valueSeed } from './config.js';
import { cpuErrorLog } from './cpu_error_log.js';
import { checkGradients } from './gradcheck.js';

const errors = cpuErrorLog();

describe('adaptiveAvgPool2d: analytic gradient = central differences', () => {
  it('random input sizes 1-9 and output sizes 1-9 (or null)', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }),
      oh: fc.option(fc.integer({ min: 1, max: 9 }), { freq: 6 }), ow: fc.option(fc.integer({ min: 1, max: 9 }), { freq: 6 }),
    });
    fc.assert(fc.property(arb, valueSeed, (s, seed) => {
      const rng = new Rng(seed);
      const shape = [s.n, s.c, s.h, s.w];
      const out: [number | null, number | null] = [s.oh, s.ow];
      checkGradients({
        op: 'adaptiveAvgPool2d', label: `adaptiveAvgPool2d [${shape}] to [${out.join(', ')}]`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }],
        forward: ([x]) => adaptiveAvgPool2d(x, out), reference: ([x]) => R.adaptiveAvgPool2d(x, s.oh ?? s.h, s.ow ?? s.w),
      });
    }), params('fd adaptiveAvgPool2d'));
  });
});
