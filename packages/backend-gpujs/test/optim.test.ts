/**
 * The fused optimizer kernels (adamUpdate, sgdUpdate) of the gpujs backend against the float64
 * reference and the CPU backend, every output of every variant, in the modes this machine always
 * has: whole tensors, tensors split into parts (inputs cut into parts of different lengths, so the
 * kernels first bring them to one layout), and under the async contract.
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import type { AdamUpdateInfo, Backend, DataId, SgdUpdateInfo } from '@tapegrad/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuJsBackend, releaseWebGpuDevice, type GpuJsBackend } from '../src/index.js';
import { compareKernel, randomValues, rng } from './helpers.js';

type Config = { mode: 'webasm' | 'cpu' | 'webgpu'; limit?: number; async?: boolean };

const configs: Config[] = [{ mode: 'webasm' }, { mode: 'webasm', limit: 64 }, { mode: 'webasm', limit: 64, async: true }, { mode: 'cpu', limit: 64 }];
// On the GPU machine: TAPEGRAD_GPUJS_MODE=webgpu adds webgpu, whole and in parts.
if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') configs.push({ mode: 'webgpu' }, { mode: 'webgpu', limit: 64 });

afterAll(async () => {
  // Dawn keeps the process alive while its device lives.
  if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') await releaseWebGpuDevice();
});

const f = Math.fround;
/** Adam's constants at step 3 (lr 1e-2, betas 0.9/0.999, eps 1e-8), as core rounds them; with weight decay. */
const ADAM: AdamUpdateInfo = {
  size: 130, weightDecay: f(0.01), beta1: f(0.9), oneMinusBeta1: f(0.1), beta2: f(0.999), oneMinusBeta2: f(1 - 0.999),
  biasCorrection2Sqrt: f(Math.sqrt(1 - 0.999 ** 3)), eps: f(1e-8), negStepSize: f(-1e-2 / (1 - 0.9 ** 3)),
};
const SGD: SgdUpdateInfo = { size: 130, weightDecay: 0, momentum: f(0.9), oneMinusDampening: f(0.8), nesterov: false, negLr: f(-0.1) };

for (const { mode, limit, async } of configs) {
  describe(`gpujs ${mode}${limit ? ` (parts of ${limit})` : ''}${async ? ' async' : ''}: fused optimizer updates`, () => {
    let gpu: GpuJsBackend;
    const cpu: Backend = new CpuBackend();
    const random = rng(99);
    beforeAll(async () => {
      gpu = await createGpuJsBackend({ mode, maxPartElements: limit, async });
    });
    afterAll(async () => {
      expect(gpu.numDataIds()).toBe(0);
      await gpu.flush();
      expect(gpu.numLiveResults()).toBe(0);
      gpu.dispose();
    });

    /** param [10, 13] (parts of whole rows), grad [130] (parts of the limit): unlike layouts once split. */
    const inputs = (names: readonly string[]) => names.map((name, i) => ({
      values: randomValues(random, 130, name === 'v' ? 0 : -1, name === 'v' ? 0.01 : 1),
      shape: i === 1 ? [130] : [10, 13],
    }));
    /** Runs `kernel`, keeps output `index` and frees the others. */
    const only = (index: number, outputs: (DataId | null)[], backend: Backend): DataId => {
      outputs.forEach((id, i) => { if (id && i !== index) backend.disposeData(id); });
      return outputs[index] as DataId;
    };

    for (const [label, info, amsgrad] of [['weight decay', ADAM, false], ['no weight decay, amsgrad', { ...ADAM, weightDecay: 0 }, true]] as const) {
      it(`adamUpdate (${label}): param, expAvg, expAvgSq${amsgrad ? ', maxExpAvgSq' : ''}`, async () => {
        const values = inputs(['p', 'g', 'm', 'v', ...(amsgrad ? ['v'] : [])]);
        for (let index = 0; index < (amsgrad ? 4 : 3); index++) {
          await compareKernel(gpu, cpu, values, (b, [p, g, m, v, vmax]) => {
            const out = b.adamUpdate(p, g, { expAvg: m, expAvgSq: v, maxExpAvgSq: vmax ?? null }, info);
            return only(index, [out.param, out.expAvg, out.expAvgSq, out.maxExpAvgSq], b);
          });
        }
      });
    }

    for (const [label, info, first] of [
      ['momentum, dampening', SGD, false], ['momentum, first step', SGD, true],
      ['nesterov, weight decay', { ...SGD, oneMinusDampening: 1, nesterov: true, weightDecay: f(1e-3) }, false],
      ['nesterov, first step', { ...SGD, oneMinusDampening: 1, nesterov: true }, true], ['no momentum', { ...SGD, momentum: 0 }, true],
    ] as const) {
      it(`sgdUpdate (${label})`, async () => {
        const values = inputs(['p', 'g', ...(first ? [] : ['b'])]);
        for (let index = 0; index < (info.momentum !== 0 ? 2 : 1); index++) {
          await compareKernel(gpu, cpu, values, (b, [p, g, buffer]) => {
            const out = b.sgdUpdate(p, g, buffer ?? null, info);
            return only(index, [out.param, out.momentumBuffer], b);
          });
        }
      });
    }
  });
}
