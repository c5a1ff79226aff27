/**
 * The benchmark NiN on tapegrad the way users build and train it: `@tapegrad/nin`'s `ninBlock`
 * and nn layers in a `Sequential`, `nn.Adam`, and `nin train`'s step (`trainStep`: the batch
 * uploaded from a Float32Array, forward, cross-entropy, accuracy count, backward, Adam, inside
 * `tidy`), on the cpu backend under plain `node`.
 */
import { noGrad, tensor, tidy } from '@tapegrad/core';
import { ninBlock, trainStep, type Batch } from '@tapegrad/nin';
import { Adam, AdaptiveAvgPool2d, Dropout, Flatten, MaxPool2d, Sequential, type Module } from '@tapegrad/nn';
import type { NetworkData } from './data.js';
import type { NetworkSpec } from './networks.js';
import { timed, type Runner, type Timed } from './runner.js';

/** The spec's layers as nn modules (`[N, C, H, W]` to `[N, classes]`). */
function buildModel(spec: NetworkSpec): Sequential {
  const layers: Module[] = spec.layers.map((layer) => {
    if (layer.kind === 'maxPool') return new MaxPool2d(layer.kernel, layer.stride);
    if (layer.kind === 'dropout') return new Dropout(layer.p);
    return ninBlock(layer.inChannels, layer.outChannels, layer.kernel, layer.stride, layer.padding);
  });
  return new Sequential(...layers, new AdaptiveAvgPool2d(1), new Flatten());
}

export class TapegradNnNin implements Runner {
  readonly name: string;
  private readonly model: Sequential;
  private readonly optimizer: Adam;
  private readonly batch: Batch;

  constructor(private readonly data: NetworkData, name = 'tapegrad') {
    this.name = name;
    this.model = buildModel(data.spec);
    // Parameters come in layer order, each conv's weight then bias, as data.convs.
    const params = this.model.parameters();
    data.convs.forEach((conv, i) => {
      const { outChannels, inChannels, kernel } = conv.geometry;
      for (const [param, values, shape] of [[params[2 * i], conv.weight, [outChannels, inChannels, kernel, kernel]], [params[2 * i + 1], conv.bias, [outChannels]]] as const) {
        const source = tensor(values, shape);
        param.assign(source);
        source.dispose();
      }
    });
    this.optimizer = new Adam(params, { lr: 1e-3 });
    const { batch, input: [, size] } = data.spec;
    this.batch = { images: data.x, labels: data.labels, count: batch, size, indices: Int32Array.from({ length: batch }, (_, i) => i) };
  }

  async train(): Promise<Timed<number>> {
    return timed(async () => {
      const result = trainStep(this.model, this.optimizer, this.batch);
      const [loss] = (await result.loss?.data()) ?? [Number.NaN];
      result.loss?.dispose();
      result.correct.dispose();
      return loss;
    });
  }

  async infer(): Promise<Timed<Float32Array>> {
    this.model.eval();
    try {
      return await timed(async () => {
        const logits = noGrad(() => tidy(() => this.model.forward(tensor(this.data.x, [this.batch.count, 1, this.batch.size, this.batch.size]))));
        const values = await logits.data();
        logits.dispose();
        return values;
      });
    } finally {
      this.model.train();
    }
  }

  async dispose(): Promise<void> {
    for (const p of this.model.parameters()) p.dispose();
  }
}
