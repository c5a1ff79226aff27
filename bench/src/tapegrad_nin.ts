/** The benchmark NiN on tapegrad hand-built from `@tapegrad/core` ops, with Adam written in core ops (`tapegrad-core`). */
import {
  add, conv2d, crossEntropy, div, dropout, globalAvgPool2d, maxPool2d, mul, noGrad, relu, reshape, sqrt, sub, tensor, tidy, type Tensor,
} from '@tapegrad/core';
import type { NetworkData } from './data.js';
import { timed, type Runner, type Timed } from './runner.js';

const LR = 1e-3;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

interface AdamSlot {
  readonly param: Tensor;
  readonly m: Tensor;
  readonly v: Tensor;
}

/** A tapegrad NiN with its parameters, Adam state and one fixed batch. */
export class TapegradNin implements Runner {
  readonly name = 'tapegrad-core';
  private readonly weights: Tensor[];
  private readonly biases: Tensor[];
  private readonly slots: AdamSlot[];
  private readonly x: Tensor;
  private steps = 0;

  constructor(private readonly data: NetworkData) {
    this.weights = data.convs.map((c) => tensor(c.weight, [c.geometry.outChannels, c.geometry.inChannels, c.geometry.kernel, c.geometry.kernel], { requiresGrad: true }));
    this.biases = data.convs.map((c) => tensor(c.bias, [c.geometry.outChannels], { requiresGrad: true }));
    this.slots = [...this.weights, ...this.biases].map((param) => ({
      param, m: tensor(new Float32Array(param.size), param.shape), v: tensor(new Float32Array(param.size), param.shape),
    }));
    const [c, h, w] = data.spec.input;
    this.x = tensor(data.x, [data.spec.batch, c, h, w]);
  }

  private forward(training: boolean): Tensor {
    let y = this.x;
    let conv = 0;
    for (const layer of this.data.spec.layers) {
      if (layer.kind === 'maxPool') y = maxPool2d(y, { kernelSize: layer.kernel, stride: layer.stride });
      else if (layer.kind === 'dropout') y = dropout(y, layer.p, training);
      else {
        for (let i = 0; i < 3; i++, conv++) {
          const options = i === 0 ? { stride: layer.stride, padding: layer.padding } : {};
          y = relu(conv2d(y, this.weights[conv], this.biases[conv], options));
        }
      }
    }
    return reshape(globalAvgPool2d(y), [this.data.spec.batch, this.data.spec.classes]);
  }

  /** Adam (PyTorch's formulation, no weight decay), in core ops, unrecorded. */
  private adamStep(): void {
    this.steps++;
    const correction1 = 1 - BETA1 ** this.steps;
    const correction2 = 1 - BETA2 ** this.steps;
    noGrad(() => {
      for (const { param, m, v } of this.slots) {
        const g = param.grad;
        if (!g) continue;
        m.assign(add(mul(m, BETA1), mul(g, 1 - BETA1)));
        v.assign(add(mul(v, BETA2), mul(mul(g, g), 1 - BETA2)));
        const denom = add(sqrt(div(v, correction2)), EPS);
        param.assign(sub(param, mul(div(m, denom), LR / correction1)));
      }
    });
  }

  train(): Promise<Timed<number>> {
    return timed(async () => tidy(() => {
      const loss = crossEntropy(this.forward(true), this.data.labels);
      loss.backward();
      this.adamStep();
      for (const p of [...this.weights, ...this.biases]) {
        p.grad?.dispose();
        p.grad = null;
      }
      return loss.item();
    }));
  }

  infer(): Promise<Timed<Float32Array>> {
    return timed(async () => {
      let logits: Float32Array = new Float32Array(0);
      tidy(() => noGrad(() => { logits = this.forward(false).dataSync(); }));
      return logits;
    });
  }

  async dispose(): Promise<void> {
    for (const { param, m, v } of this.slots) for (const t of [param, m, v]) t.dispose();
    this.x.dispose();
  }
}
