/**
 * The benchmark NiN in TensorFlow.js (NHWC, HWIO filters), on its `cpu` or `wasm` backend. The wasm
 * backend has no Conv2DBackpropFilter kernel, so each convolution is a custom-gradient op whose
 * filter gradient is built from other ops: one strided slice and one matmul per filter tap. The cpu
 * backend has the kernel, but it runs at about 2 MMAC/s (TensorBuffer accesses per multiply-add: a
 * d2l training step would take about 45 minutes), so it gets the same custom gradient, which is about
 * 40x faster there: the comparison with tfjs-cpu is conservative.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node build registers no gradients; tfjs-layers' build registers all of them (globally).
import '@tensorflow/tfjs-layers';
import { nchwToNhwc, oihwToHwio, type NetworkData } from './data.js';
import type { ConvGeometry } from './networks.js';
import { timed, type Runner, type Timed } from './runner.js';

const LR = 1e-3;

type ConvFn = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/** dW[ky, kx, c, o] = sum over (n, oy, ox) of xPadded[n, oy*s + ky, ox*s + kx, c] * dy[n, oy, ox, o], tap by tap. */
function filterGradFromTaps(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const [n, , , c] = x.shape;
  const rows = n * g.outSize * g.outSize;
  const dy2 = tf.reshape(dy, [rows, g.outChannels]);
  const padded = g.padding > 0 ? tf.pad(x, [[0, 0], [g.padding, g.padding], [g.padding, g.padding], [0, 0]]) : x;
  const span = g.stride * (g.outSize - 1) + 1;
  const taps: tf.Tensor[] = [];
  for (let ky = 0; ky < g.kernel; ky++) {
    for (let kx = 0; kx < g.kernel; kx++) {
      const window = g.kernel === 1 && g.stride === 1 ? padded : tf.stridedSlice(padded, [0, ky, kx, 0], [n, ky + span, kx + span, c], [1, g.stride, g.stride, 1]);
      taps.push(tf.matMul(tf.reshape(window, [rows, c]), dy2, true, false));
    }
  }
  return tf.reshape(tf.stack(taps), [g.kernel, g.kernel, c, g.outChannels]);
}

/** conv2d whose filter gradient is built from slices and matmuls (see the file comment). */
function customConv(g: ConvGeometry): ConvFn {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.conv2d(x, w, g.stride, g.padding),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        // The network input needs no gradient (tfjs's own conv gradient skips it the same way).
        const dx = g.needsInputGrad ? tf.conv2dTranspose(dy, ws, xs.shape, g.stride, g.padding) : tf.zerosLike(xs);
        return [dx, filterGradFromTaps(xs, dy, g)];
      },
    };
  });
  return (x, w) => op(x, w) as tf.Tensor4D;
}

/** A TensorFlow.js NiN on one backend, with Adam and one fixed batch. */
export class TfjsNin implements Runner {
  readonly name: string;
  private readonly weights: tf.Variable[];
  private readonly biases: tf.Variable[];
  private readonly convs: ConvFn[];
  private readonly x: tf.Tensor4D;
  private readonly labels: tf.Tensor2D;
  private readonly optimizer: tf.Optimizer;

  private constructor(private readonly backend: 'cpu' | 'wasm', private readonly data: NetworkData) {
    this.name = `tfjs-${backend}`;
    this.weights = data.convs.map((c) => {
      const { outChannels: o, inChannels: ci, kernel: k } = c.geometry;
      return tf.variable(tf.tensor4d(oihwToHwio(c.weight, o, ci, k), [k, k, ci, o]));
    });
    this.biases = data.convs.map((c) => tf.variable(tf.tensor1d(c.bias)));
    this.convs = data.convs.map((c) => customConv(c.geometry));
    const [ch, h, w] = data.spec.input;
    this.x = tf.tensor4d(nchwToNhwc(data.x, data.spec.batch, ch, h, w), [data.spec.batch, h, w, ch]);
    this.labels = tf.oneHot(tf.tensor1d(data.labels, 'int32'), data.spec.classes) as tf.Tensor2D;
    this.optimizer = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  }

  /** Builds the network with `backend` active, so its tensors live there. */
  static async create(backend: 'cpu' | 'wasm', data: NetworkData): Promise<TfjsNin> {
    await TfjsNin.use(backend);
    return new TfjsNin(backend, data);
  }

  private static async use(backend: 'cpu' | 'wasm'): Promise<void> {
    if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to start`);
  }

  private forward(training: boolean): tf.Tensor2D {
    let y: tf.Tensor4D = this.x;
    let conv = 0;
    for (const layer of this.data.spec.layers) {
      if (layer.kind === 'maxPool') y = tf.maxPool(y, layer.kernel, layer.stride, 'valid');
      else if (layer.kind === 'dropout') y = training ? (tf.dropout(y, layer.p) as tf.Tensor4D) : y;
      else {
        for (let i = 0; i < 3; i++, conv++) y = tf.relu(tf.add(this.convs[conv](y, this.weights[conv] as tf.Tensor4D), this.biases[conv]) as tf.Tensor4D);
      }
    }
    return tf.mean(y, [1, 2]);
  }

  async train(): Promise<Timed<number>> {
    await TfjsNin.use(this.backend);
    return timed(async () => {
      const loss = this.optimizer.minimize(() => tf.losses.softmaxCrossEntropy(this.labels, this.forward(true)) as tf.Scalar, true, [...this.weights, ...this.biases]);
      if (!loss) throw new Error('tfjs: minimize returned no loss');
      const value = (await loss.data())[0];
      loss.dispose();
      return value;
    });
  }

  async infer(): Promise<Timed<Float32Array>> {
    await TfjsNin.use(this.backend);
    return timed(async () => {
      const logits = tf.tidy(() => this.forward(false));
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      return values;
    });
  }

  async dispose(): Promise<void> {
    await TfjsNin.use(this.backend);
    tf.dispose([...this.weights, ...this.biases, this.x, this.labels]);
    this.optimizer.dispose();
  }
}
