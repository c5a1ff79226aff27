/** Max and average pooling and their gradients, each output element a gather over its window. */
import type { Pool2dInfo } from '@tapegrad/core';

/** Calls `visit(plane, oy, ox, y0, x0)` for each output position: window rows y0.., columns x0... */
function forEachWindow(info: Pool2dInfo, visit: (plane: number, out: number, y0: number, x0: number) => void): void {
  const { batch, channels, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft } = info;
  let out = 0;
  for (let plane = 0; plane < batch * channels; plane++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, out++) visit(plane, out, oy * strideHeight - padTop, ox * strideWidth - padLeft);
    }
  }
}

/** Flat input index of each window's first maximum (row-major window order), or -1 if all padding. */
function firstMaxIndices(x: Float32Array, info: Pool2dInfo): Int32Array {
  const { inHeight, inWidth, kernelHeight, kernelWidth } = info;
  const indices = new Int32Array(info.batch * info.channels * info.outHeight * info.outWidth);
  forEachWindow(info, (plane, out, y0, x0) => {
    let best = -Infinity;
    let bestIndex = -1;
    for (let ky = 0; ky < kernelHeight; ky++) {
      const iy = y0 + ky;
      if (iy < 0 || iy >= inHeight) continue;
      for (let kx = 0; kx < kernelWidth; kx++) {
        const ix = x0 + kx;
        if (ix < 0 || ix >= inWidth) continue;
        const index = (plane * inHeight + iy) * inWidth + ix;
        if (bestIndex < 0 || x[index] > best || (Number.isNaN(x[index]) && !Number.isNaN(best))) {
          best = x[index];
          bestIndex = index;
        }
      }
    }
    indices[out] = bestIndex;
  });
  return indices;
}

/** `y[n, c, oy, ox] = max over the window of x` (padding is -infinity). */
export function maxPool2dKernel(x: Float32Array, info: Pool2dInfo): Float32Array {
  const indices = firstMaxIndices(x, info);
  const y = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) y[i] = indices[i] < 0 ? -Infinity : x[indices[i]];
  return y;
}

/**
 * `dx[n, c, iy, ix] = sum of dy over the windows whose first maximum is (iy, ix)`, gathered by
 * visiting, for each input pixel, the output windows that contain it.
 */
export function maxPool2dBackpropKernel(dy: Float32Array, x: Float32Array, info: Pool2dInfo): Float32Array {
  const { batch, channels, inHeight, inWidth } = info;
  const argmax = firstMaxIndices(x, info);
  const dx = new Float32Array(batch * channels * inHeight * inWidth);
  gatherWindows(info, (plane, iy, ix, outIndex) => {
    const inIndex = (plane * inHeight + iy) * inWidth + ix;
    return argmax[outIndex] === inIndex ? dy[outIndex] : 0;
  }, dx);
  return dx;
}

/** `y = mean over the full window` (padding counts as zeros; divisor kH*kW). */
export function avgPool2dKernel(x: Float32Array, info: Pool2dInfo): Float32Array {
  const { inHeight, inWidth, kernelHeight, kernelWidth } = info;
  const y = new Float32Array(info.batch * info.channels * info.outHeight * info.outWidth);
  const scale = 1 / (kernelHeight * kernelWidth);
  forEachWindow(info, (plane, out, y0, x0) => {
    let acc = 0;
    for (let ky = 0; ky < kernelHeight; ky++) {
      const iy = y0 + ky;
      if (iy < 0 || iy >= inHeight) continue;
      for (let kx = 0; kx < kernelWidth; kx++) {
        const ix = x0 + kx;
        if (ix >= 0 && ix < inWidth) acc += x[(plane * inHeight + iy) * inWidth + ix];
      }
    }
    y[out] = acc * scale;
  });
  return y;
}

/** `dx[n, c, iy, ix] = sum of dy / (kH*kW) over the windows containing (iy, ix)`. */
export function avgPool2dBackpropKernel(dy: Float32Array, info: Pool2dInfo): Float32Array {
  const dx = new Float32Array(info.batch * info.channels * info.inHeight * info.inWidth);
  const scale = 1 / (info.kernelHeight * info.kernelWidth);
  gatherWindows(info, (_plane, _iy, _ix, outIndex) => dy[outIndex] * scale, dx);
  return dx;
}

/**
 * For every input pixel, sums `contribution(...)` over the output windows containing it: window
 * (oy, ox) covers rows oy*sH - pT .. + kH - 1, so oy ranges over ceil((iy + pT - kH + 1) / sH) .. floor((iy + pT) / sH).
 */
function gatherWindows(info: Pool2dInfo, contribution: (plane: number, iy: number, ix: number, outIndex: number) => number, dx: Float32Array): void {
  const { batch, channels, inHeight, inWidth, outHeight, outWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, padTop, padLeft } = info;
  let inIndex = 0;
  for (let plane = 0; plane < batch * channels; plane++) {
    const outBase = plane * outHeight * outWidth;
    for (let iy = 0; iy < inHeight; iy++) {
      const oyFirst = Math.max(0, Math.ceil((iy + padTop - kernelHeight + 1) / strideHeight));
      const oyLast = Math.min(outHeight - 1, Math.floor((iy + padTop) / strideHeight));
      for (let ix = 0; ix < inWidth; ix++, inIndex++) {
        const oxFirst = Math.max(0, Math.ceil((ix + padLeft - kernelWidth + 1) / strideWidth));
        const oxLast = Math.min(outWidth - 1, Math.floor((ix + padLeft) / strideWidth));
        let acc = 0;
        for (let oy = oyFirst; oy <= oyLast; oy++) {
          for (let ox = oxFirst; ox <= oxLast; ox++) acc += contribution(plane, iy, ix, outBase + oy * outWidth + ox);
        }
        dx[inIndex] = acc;
      }
    }
  }
}
