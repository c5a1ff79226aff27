/**
 * The chapter's models against PyTorch on one backend: PyTorch-written weights give PyTorch's
 * logits in evaluation mode, and one training step (forward in training mode, cross-entropy,
 * backward) gives PyTorch's logits, loss, every parameter's gradient and the batch-norm running
 * statistics, each within 1e-4 of the tensor's largest magnitude.
 *
 * Where PyTorch's own float32 gradient is not that accurate, its value cannot be matched more
 * closely than it is known: a gradient that is zero in exact arithmetic (the bias of a convolution
 * that batch norm follows, in ResNet and DenseNet, which the normalisation subtracts again) or all
 * but cancelled (DenseNet's first batch-norm scale) holds mostly rounding noise, which tapegrad's
 * sums (in another order) do not reproduce. The fixture gives PyTorch's rounding per gradient
 * (`float32Rounding`, its float32 result against its float64 one); a gradient it leaves off by
 * more than `ILL_CONDITIONED` of its largest magnitude is compared on the scale of the model's
 * largest gradient instead, which still catches a wrong gradient of any real size.
 */
import { memory, noGrad, setBackend, tidy, type Tensor } from '@tapegrad/core';
import { crossEntropyLoss, loadSafetensors, type Sequential } from '@tapegrad/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVisionModel, formatLayerShapes, layerShapes, type VisionModelName } from '../src/index.js';
import { largestMagnitude, modelFixture, relativeError } from './torch_fixtures.js';

/** The bound every comparison meets: `max |a - e| / max |e|`. */
const TOLERANCE = 1e-4;

/** PyTorch's float32 rounding, as a share of a gradient's largest magnitude, above which the gradient is (near) zero in exact arithmetic. */
const ILL_CONDITIONED = 1e-5;

/** What was measured for one model: the largest relative error of each kind of tensor. */
interface Agreement {
  evalLogits: number;
  trainLogits: number;
  loss: number;
  gradients: number;
  /** Null for a model without buffers. */
  buffers: number | null;
}

/**
 * Registers, for each of `models`, the PyTorch comparisons on backend `backend` (set before the
 * first test), and prints each model's measured agreement at the end.
 */
export function describeAgainstTorch(backend: string, models: readonly VisionModelName[]): void {
  const measured = new Map<VisionModelName, Agreement>();

  beforeAll(async () => {
    await setBackend(backend);
  });

  afterAll(() => {
    for (const [name, a] of measured) {
      console.log(`${name} on ${backend} vs PyTorch (max |a - e| over the tensor's scale): eval logits ${a.evalLogits.toExponential(1)}, ` +
        `train logits ${a.trainLogits.toExponential(1)}, loss ${a.loss.toExponential(1)}, gradients ${a.gradients.toExponential(1)}, ` +
        `running stats ${a.buffers === null ? 'none' : a.buffers.toExponential(1)}`);
    }
  });

  describe.each(models)('%s', (name) => {
    const { fixture, weights, step } = modelFixture(name);
    let net: Sequential;
    let expected: Map<string, Tensor>;

    beforeAll(async () => {
      net = buildVisionModel(name, fixture.options);
      const loaded = await loadSafetensors(weights);
      net.loadStateDict(loaded.stateDict);
      for (const t of loaded.stateDict.values()) t.dispose();
      expected = (await loadSafetensors(step)).stateDict;
    });

    afterAll(() => {
      for (const t of [...net.stateDict().values(), ...expected.values()]) t.dispose();
      net.zeroGrad();
    });

    const values = (key: string): Float32Array => {
      const t = expected.get(key);
      if (!t) throw new Error(`${name}_step.safetensors has no '${key}'`);
      return t.dataSync();
    };

    it("has PyTorch's state-dict keys and layer shapes, on the backend", () => {
      expect(net.parameters().every((p) => p.backend.name === backend)).toBe(true);
      expect([...net.stateDict().keys()]).toEqual(fixture.keys);
      const [, , size] = (expected.get('input') as Tensor).shape;
      expect(formatLayerShapes(layerShapes(net, [1, 1, size, size])))
        .toEqual(fixture.summary.map(([layer, shape]) => `${layer} output shape: [${shape.join(', ')}]`));
    });

    it("gives PyTorch's logits in evaluation mode", () => {
      net.eval();
      const before = memory().numTensors;
      const logits = noGrad(() => tidy(() => net.forward(expected.get('input') as Tensor)));
      expect(memory().numTensors).toBe(before + 1);
      const error = relativeError(logits.dataSync(), values('eval_logits'));
      logits.dispose();
      measured.set(name, { evalLogits: error, trainLogits: NaN, loss: NaN, gradients: NaN, buffers: null });
      expect(error).toBeLessThanOrEqual(TOLERANCE);
    });

    it("takes PyTorch's training step: logits, loss, gradients, running statistics", () => {
      net.train();
      net.zeroGrad();
      const { logits, loss } = tidy(() => {
        const y = net.forward(expected.get('input') as Tensor);
        const l = crossEntropyLoss(y, fixture.labels);
        l.backward();
        return { logits: y.detach(), loss: l.detach() };
      });
      const agreement = measured.get(name) as Agreement;
      agreement.trainLogits = relativeError(logits.dataSync(), values('train_logits'));
      agreement.loss = relativeError(loss.dataSync(), values('loss'));
      logits.dispose();
      loss.dispose();
      agreement.gradients = 0;
      const largest = largestMagnitude(net.namedParameters().map(([key]) => values(`grad.${key}`)));
      for (const [key, param] of net.namedParameters()) {
        expect(param.grad, `${key} has a gradient`).not.toBeNull();
        const torchValues = values(`grad.${key}`);
        const illConditioned = fixture.float32Rounding[key] > ILL_CONDITIONED * largestMagnitude([torchValues]);
        const error = relativeError((param.grad as Tensor).dataSync(), torchValues, illConditioned ? largest : 0);
        expect(error, `gradient of ${key}`).toBeLessThanOrEqual(TOLERANCE);
        agreement.gradients = Math.max(agreement.gradients, error);
      }
      for (const [key, buffer] of net.namedBuffers()) {
        const error = relativeError(buffer.dataSync(), values(`after.${key}`));
        expect(error, `${key} after the step`).toBeLessThanOrEqual(TOLERANCE);
        agreement.buffers = Math.max(agreement.buffers ?? 0, error);
      }
      expect(agreement.trainLogits).toBeLessThanOrEqual(TOLERANCE);
      expect(agreement.loss).toBeLessThanOrEqual(TOLERANCE);
    });
  });
}
