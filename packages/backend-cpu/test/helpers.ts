/**
 * What the kernel tests share: seeded random values, running a kernel on copies in the shared
 * memory, and float64 convolutions (forward by gathering, gradients by scattering, so that a
 * misunderstanding shared with the kernels, which gather, cannot pass both).
 */
import type { Conv2dInfo } from '@tapegrad/core';
import { free, malloc, view } from '../src/wasm/runtime.js';

let seed = 12345;
/** Deterministic uniform values in [-1, 1). */
export function random(size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = seed / 2 ** 31 - 1;
  }
  return out;
}

/** Runs `kernel` on copies of `inputs` in the shared memory and returns a copy of its `outLength` outputs. */
export function onHeap(inputs: Float32Array[], outLength: number, kernel: (...addresses: number[]) => void): Float32Array {
  const blocks = [...inputs.map((values) => {
    const at = malloc(values.length);
    view(at, values.length).set(values);
    return at;
  }), malloc(outLength)];
  try {
    kernel(...blocks);
    return view(blocks[blocks.length - 1], outLength).slice();
  } finally {
    blocks.forEach((at, i) => free(at, i < inputs.length ? inputs[i].length : outLength));
  }
}

/** Direct convolution: y[n, o, oy, ox] = bias[o] + sum x[n, c, oy*s - p + ky, ox*s - p + kx] w[o, c, ky, kx]. */
export function referenceConv(x: Float32Array, w: Float32Array, bias: Float32Array | null, info: Conv2dInfo): Float64Array {
  const { batch, inChannels: C, inHeight: H, inWidth: W, outChannels: O, outHeight: OH, outWidth: OW, kernelHeight: KH, kernelWidth: KW } = info;
  const y = new Float64Array(batch * O * OH * OW);
  for (let n = 0; n < batch; n++) for (let o = 0; o < O; o++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    let sum = bias ? bias[o] : 0;
    for (let c = 0; c < C; c++) for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++) {
      const iy = oy * info.strideHeight - info.padTop + ky;
      const ix = ox * info.strideWidth - info.padLeft + kx;
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) sum += x[((n * C + c) * H + iy) * W + ix] * w[((o * C + c) * KH + ky) * KW + kx];
    }
    y[((n * O + o) * OH + oy) * OW + ox] = sum;
  }
  return y;
}

/** Both conv gradients by scattering each output gradient over its window (the adjoint of referenceConv). */
export function referenceConvGrads(x: Float32Array, w: Float32Array, dy: Float32Array, info: Conv2dInfo): { dx: Float64Array; dw: Float64Array } {
  const { batch, inChannels: C, inHeight: H, inWidth: W, outChannels: O, outHeight: OH, outWidth: OW, kernelHeight: KH, kernelWidth: KW } = info;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let n = 0; n < batch; n++) for (let o = 0; o < O; o++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    const g = dy[((n * O + o) * OH + oy) * OW + ox];
    for (let c = 0; c < C; c++) for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++) {
      const iy = oy * info.strideHeight - info.padTop + ky;
      const ix = ox * info.strideWidth - info.padLeft + kx;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      const xi = ((n * C + c) * H + iy) * W + ix;
      const wi = ((o * C + c) * KH + ky) * KW + kx;
      dx[xi] += g * w[wi];
      dw[wi] += g * x[xi];
    }
  }
  return { dx, dw };
}
