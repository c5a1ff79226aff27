/** Convolution and its gradients as im2col + GEMM per image (1x1 convolutions skip im2col). */
import type { Conv2dInfo } from '@tapegrad/core';
import { gemm } from './gemm.js';
import { col2im, im2col, isPointwise } from './im2col.js';

let colsScratch = new Float32Array(0);

function colsBuffer(info: Conv2dInfo): Float32Array {
  const size = info.inChannels * info.kernelHeight * info.kernelWidth * info.outHeight * info.outWidth;
  if (colsScratch.length < size) colsScratch = new Float32Array(size);
  return colsScratch;
}

/** `y[n] [O, oH*oW] = W [O, C*kH*kW] @ cols(x[n]) + bias`. */
export function conv2dKernel(x: Float32Array, filter: Float32Array, bias: Float32Array | null, info: Conv2dInfo): Float32Array {
  const { batch, inChannels, outChannels, outHeight, outWidth, inHeight, inWidth, kernelHeight, kernelWidth } = info;
  const outPlane = outHeight * outWidth;
  const patch = inChannels * kernelHeight * kernelWidth;
  const y = new Float32Array(batch * outChannels * outPlane);
  const pointwise = isPointwise(info);
  const cols = pointwise ? x : colsBuffer(info);
  for (let n = 0; n < batch; n++) {
    if (!pointwise) im2col(x, n, info, cols);
    const yOffset = n * outChannels * outPlane;
    if (bias) for (let o = 0; o < outChannels; o++) y.fill(bias[o], yOffset + o * outPlane, yOffset + (o + 1) * outPlane);
    gemm({
      m: outChannels, n: outPlane, k: patch, transA: false, transB: false, accumulate: bias !== null,
      a: filter, aOffset: 0, b: cols, bOffset: pointwise ? n * inChannels * inHeight * inWidth : 0, c: y, cOffset: yOffset,
    });
  }
  return y;
}

/** `dx[n] = col2im(W^T [C*kH*kW, O] @ dy[n] [O, oH*oW])`. */
export function conv2dBackpropInputKernel(dy: Float32Array, filter: Float32Array, info: Conv2dInfo): Float32Array {
  const { batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelHeight, kernelWidth } = info;
  const outPlane = outHeight * outWidth;
  const inPlane = inHeight * inWidth;
  const patch = inChannels * kernelHeight * kernelWidth;
  const dx = new Float32Array(batch * inChannels * inPlane);
  const pointwise = isPointwise(info);
  const dcols = pointwise ? dx : colsBuffer(info);
  for (let n = 0; n < batch; n++) {
    gemm({
      m: patch, n: outPlane, k: outChannels, transA: true, transB: false, accumulate: false,
      a: filter, aOffset: 0, b: dy, bOffset: n * outChannels * outPlane, c: dcols, cOffset: pointwise ? n * inChannels * inPlane : 0,
    });
    if (!pointwise) col2im(dcols, n, info, dx);
  }
  return dx;
}

/** `dW [O, C*kH*kW] = sum_n dy[n] [O, oH*oW] @ cols(x[n])^T`. */
export function conv2dBackpropFilterKernel(x: Float32Array, dy: Float32Array, info: Conv2dInfo): Float32Array {
  const { batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelHeight, kernelWidth } = info;
  const outPlane = outHeight * outWidth;
  const patch = inChannels * kernelHeight * kernelWidth;
  const dw = new Float32Array(outChannels * patch);
  const pointwise = isPointwise(info);
  const cols = pointwise ? x : colsBuffer(info);
  for (let n = 0; n < batch; n++) {
    if (!pointwise) im2col(x, n, info, cols);
    gemm({
      m: outChannels, n: patch, k: outPlane, transA: false, transB: true, accumulate: n > 0,
      a: dy, aOffset: n * outChannels * outPlane, b: cols, bOffset: pointwise ? n * inChannels * inHeight * inWidth : 0, c: dw, cOffset: 0,
    });
  }
  return dw;
}
