/**
 * AdaptiveAvgPool2d against torch's F.adaptive_avg_pool2d (1.13) on
 * test/fixtures/torch/adaptive_avgpool2d.json: output 1, uniform windows, overlapping windows, an
 * output larger than the input, a null extent, and VGG's 7x7 from 13x13; values and input gradients.
 */
import '@tapegrad/backend-cpu';
import { tidy, type Tensor } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import { AdaptiveAvgPool2d } from '../src/index.js';
import { differences, fixtureJson, fromJson, type JsonTensor } from './fixtures.js';

interface AdaptiveCase {
  name: string;
  outputSize: [number | null, number | null];
  x: JsonTensor;
  out: JsonTensor;
  dy: JsonTensor;
  dx: JsonTensor;
}

const { cases } = fixtureJson<{ cases: AdaptiveCase[] }>('adaptive_avgpool2d.json');

/**
 * Largest allowed |tapegrad - torch| (values up to about 3): measured 1.2e-7 for outputs and
 * 2.4e-7 for input gradients (one float32 ulp; the larger output sums several windows' shares per
 * cell); about twice that is allowed. A window rule off by one cell misses by 0.1 and more.
 */
const TOLERANCE = { out: 2.5e-7, dx: 5e-7 } as const;
const worst = { out: 0, dx: 0 };

describe('AdaptiveAvgPool2d against torch', () => {
  it('covers output 1, uniform and overlapping windows, a larger output and a null extent', () => {
    expect(cases.map((c) => c.name)).toEqual([
      'global_1', 'uniform_3x4_of_6x8', 'overlapping_3x2_of_7x5', 'overlapping_4x7_of_10x9', 'larger_5x4_of_3x2', 'none_x4_of_5x6', 'vgg_7x7_of_13x13',
    ]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    tidy(() => {
      const x = fromJson(c.x, true);
      const y = new AdaptiveAvgPool2d(c.outputSize).forward(x);
      expect(y.shape).toEqual(c.out.shape);
      y.backward(fromJson(c.dy));
      const out = differences(y.dataSync(), c.out.data).abs;
      const dx = differences((x.grad as Tensor).dataSync(), c.dx.data).abs;
      worst.out = Math.max(worst.out, out);
      worst.dx = Math.max(worst.dx, dx);
      expect(out, 'output').toBeLessThanOrEqual(TOLERANCE.out);
      expect(dx, 'input gradient').toBeLessThanOrEqual(TOLERANCE.dx);
      x.grad?.dispose();
    });
  });

  it('reports the largest differences', () => {
    console.log(`AdaptiveAvgPool2d, largest |tapegrad - torch|: ${JSON.stringify(worst)}`);
    expect(worst.out).toBeLessThanOrEqual(TOLERANCE.out);
  });
});
