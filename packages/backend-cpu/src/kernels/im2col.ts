/** im2col and its gather-form adjoint col2im for one image of a convolution. */
import type { Conv2dInfo } from '@tapegrad/core';

/** True when the convolution is a plain matmul over `[C, H*W]` (1x1, stride 1, no padding). */
export function isPointwise(info: Conv2dInfo): boolean {
  return info.kernelHeight === 1 && info.kernelWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 && info.padTop === 0 && info.padLeft === 0;
}

/**
 * `cols[(c, ky, kx), (oy, ox)] = x[n, c, oy*sH - pT + ky, ox*sW - pL + kx]` (0 outside the image),
 * a `[C*kH*kW, oH*oW]` matrix.
 */
export function im2col(x: Float32Array, n: number, info: Conv2dInfo, cols: Float32Array): void {
  const { inChannels, inHeight, inWidth, kernelHeight, kernelWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft } = info;
  const plane = inHeight * inWidth;
  const outPlane = outHeight * outWidth;
  let row = 0;
  for (let c = 0; c < inChannels; c++) {
    const xBase = (n * inChannels + c) * plane;
    for (let ky = 0; ky < kernelHeight; ky++) {
      for (let kx = 0; kx < kernelWidth; kx++, row++) {
        const colBase = row * outPlane;
        for (let oy = 0; oy < outHeight; oy++) {
          const iy = oy * strideHeight - padTop + ky;
          const outRow = colBase + oy * outWidth;
          if (iy < 0 || iy >= inHeight) {
            cols.fill(0, outRow, outRow + outWidth);
            continue;
          }
          const xRow = xBase + iy * inWidth;
          for (let ox = 0; ox < outWidth; ox++) {
            const ix = ox * strideWidth - padLeft + kx;
            cols[outRow + ox] = ix >= 0 && ix < inWidth ? x[xRow + ix] : 0;
          }
        }
      }
    }
  }
}

/**
 * Gather-form adjoint of im2col: `dx[n, c, iy, ix] = sum of dcols[(c, ky, kx), (oy, ox)]` over the
 * taps with `oy*sH - pT + ky = iy` and `ox*sW - pL + kx = ix`.
 */
export function col2im(dcols: Float32Array, n: number, info: Conv2dInfo, dx: Float32Array): void {
  const { inChannels, inHeight, inWidth, kernelHeight, kernelWidth, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft } = info;
  const outPlane = outHeight * outWidth;
  for (let c = 0; c < inChannels; c++) {
    const dxBase = (n * inChannels + c) * inHeight * inWidth;
    for (let iy = 0; iy < inHeight; iy++) {
      for (let ix = 0; ix < inWidth; ix++) {
        let acc = 0;
        for (let ky = 0; ky < kernelHeight; ky++) {
          // Output row oy whose window puts tap ky on input row iy: oy*sH = iy + pT - ky.
          const rowNumer = iy + padTop - ky;
          if (rowNumer < 0 || rowNumer % strideHeight !== 0) continue;
          const oy = rowNumer / strideHeight;
          if (oy >= outHeight) continue;
          for (let kx = 0; kx < kernelWidth; kx++) {
            const colNumer = ix + padLeft - kx;
            if (colNumer < 0 || colNumer % strideWidth !== 0) continue;
            const ox = colNumer / strideWidth;
            if (ox >= outWidth) continue;
            acc += dcols[((c * kernelHeight + ky) * kernelWidth + kx) * outPlane + oy * outWidth + ox];
          }
        }
        dx[dxBase + iy * inWidth + ix] = acc;
      }
    }
  }
}
