/**
 * Float64 reference: conv2d (cross-correlation, NCHW input, OIHW filters) and max/avg pooling,
 * with their gradients. The gradients are written in scatter form (each output element adds into
 * the inputs it read), the opposite of the backends' gather form, so the two are independent.
 */
import { nd, type NdArray } from './ndarray.js';

export type PairLike = number | readonly [number, number];

export function pair(v: PairLike): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export interface ConvParams {
  readonly stride?: PairLike;
  readonly padding?: PairLike;
  readonly dilation?: PairLike;
  readonly groups?: number;
}

/** Floor-mode output extent of a window of `kernel` taps `dilation` apart. */
export function outSize(inExtent: number, kernel: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((inExtent + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

interface ConvGeometry {
  readonly N: number; readonly C: number; readonly H: number; readonly W: number;
  readonly O: number; readonly KH: number; readonly KW: number;
  readonly SH: number; readonly SW: number; readonly PH: number; readonly PW: number;
  readonly DH: number; readonly DW: number; readonly G: number;
  readonly OH: number; readonly OW: number;
}

function convGeometry(xShape: readonly number[], wShape: readonly number[], p: ConvParams): ConvGeometry {
  const [N, C, H, W] = xShape;
  const [O, CG, KH, KW] = wShape;
  const G = p.groups ?? 1;
  if (C !== CG * G || O % G !== 0) throw new Error('reference conv2d: channels do not split into the groups');
  const [SH, SW] = pair(p.stride ?? 1);
  const [PH, PW] = pair(p.padding ?? 0);
  const [DH, DW] = pair(p.dilation ?? 1);
  return { N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, G, OH: outSize(H, KH, SH, PH, DH), OW: outSize(W, KW, SW, PW, DW) };
}

/**
 * Visits every (output element, filter tap) pair: `visit(outFlat, xFlat, wFlat)`, with xFlat = -1
 * where the tap falls on padding. Direct loops over n, then the groups g, o within the group, oy,
 * ox, c within the group, ky, kx; tap (ky, kx) reads (oy*SH - PH + ky*DH, ox*SW - PW + kx*DW) of
 * input channel g*C/G + c.
 */
function forEachConvTap(g: ConvGeometry, visit: (outFlat: number, xFlat: number, wFlat: number) => void): void {
  const { N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, G, OH, OW } = g;
  const [CG, OG] = [C / G, O / G];
  for (let n = 0; n < N; n++) {
    for (let group = 0; group < G; group++) {
      for (let og = 0; og < OG; og++) {
        const o = group * OG + og;
        for (let oy = 0; oy < OH; oy++) {
          for (let ox = 0; ox < OW; ox++) {
            const outFlat = ((n * O + o) * OH + oy) * OW + ox;
            for (let c = 0; c < CG; c++) {
              const channel = group * CG + c;
              for (let ky = 0; ky < KH; ky++) {
                const iy = oy * SH - PH + ky * DH;
                for (let kx = 0; kx < KW; kx++) {
                  const ix = ox * SW - PW + kx * DW;
                  const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
                  visit(outFlat, inside ? ((n * C + channel) * H + iy) * W + ix : -1, ((o * CG + c) * KH + ky) * KW + kx);
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * The input value a tap reads: 0 on padding. A padded tap still multiplies, as PyTorch's zero
 * padding does: an infinite or NaN weight (or `dy`) there gives NaN (`0 * inf`).
 */
function tapValue(xs: Float64Array, xFlat: number): number {
  return xFlat < 0 ? 0 : xs[xFlat];
}

export function conv2d(x: NdArray, w: NdArray, bias: NdArray | null, p: ConvParams = {}): NdArray {
  const g = convGeometry(x.shape, w.shape, p);
  const out = nd([g.N, g.O, g.OH, g.OW]);
  const xs = x.data;
  const ws = w.data;
  const ys = out.data;
  forEachConvTap(g, (outFlat, xFlat, wFlat) => { ys[outFlat] += tapValue(xs, xFlat) * ws[wFlat]; });
  if (bias) {
    const plane = g.OH * g.OW;
    for (let i = 0; i < ys.length; i++) ys[i] += bias.data[Math.floor(i / plane) % g.O];
  }
  return out;
}

/**
 * Gradients of `sum(conv2d(x, w, b) * dy)`: `[dx, dw, db]`. A padded tap adds `dy * 0` to `dw` (NaN
 * for an infinite `dy`, as PyTorch) and nothing to `dx` (padding has no gradient).
 */
export function conv2dGrad(x: NdArray, w: NdArray, dy: NdArray, p: ConvParams = {}): [NdArray, NdArray, NdArray] {
  const g = convGeometry(x.shape, w.shape, p);
  const dx = nd(x.shape);
  const dw = nd(w.shape);
  const db = nd([g.O]);
  const xs = x.data;
  const ws = w.data;
  const gy = dy.data;
  forEachConvTap(g, (outFlat, xFlat, wFlat) => {
    if (xFlat >= 0) dx.data[xFlat] += gy[outFlat] * ws[wFlat];
    dw.data[wFlat] += gy[outFlat] * tapValue(xs, xFlat);
  });
  const plane = g.OH * g.OW;
  for (let i = 0; i < gy.length; i++) db.data[Math.floor(i / plane) % g.O] += gy[i];
  return [dx, dw, db];
}

export interface PoolParams {
  readonly kernelSize: PairLike;
  readonly stride?: PairLike;
  readonly padding?: PairLike;
  readonly ceilMode?: boolean;
}

/**
 * Pooling output extent as PyTorch's `pooling_output_shape` writes it: with `ceil_mode` the
 * numerator gains `stride - 1`, and a last window that would start past the input and its left
 * padding is dropped.
 */
function poolOutSize(inExtent: number, kernel: number, stride: number, pad: number, ceilMode: boolean): number {
  let out = Math.floor((inExtent + 2 * pad - kernel + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= inExtent + pad) out -= 1;
  return out;
}

interface PoolGeometry {
  readonly planes: number; readonly H: number; readonly W: number;
  readonly KH: number; readonly KW: number; readonly SH: number; readonly SW: number;
  readonly PH: number; readonly PW: number; readonly OH: number; readonly OW: number;
}

function poolGeometry(xShape: readonly number[], p: PoolParams): PoolGeometry {
  const [N, C, H, W] = xShape;
  const [KH, KW] = pair(p.kernelSize);
  const [SH, SW] = pair(p.stride ?? p.kernelSize);
  const [PH, PW] = pair(p.padding ?? 0);
  const ceil = p.ceilMode ?? false;
  return { planes: N * C, H, W, KH, KW, SH, SW, PH, PW, OH: poolOutSize(H, KH, SH, PH, ceil), OW: poolOutSize(W, KW, SW, PW, ceil) };
}

/** Input positions (flat) of each window's in-image elements, in row-major window order. */
function windows(xShape: readonly number[], p: PoolParams): { shape: number[]; taps: number[][] } {
  const g = poolGeometry(xShape, p);
  const taps: number[][] = [];
  for (let plane = 0; plane < g.planes; plane++) {
    for (let oy = 0; oy < g.OH; oy++) {
      for (let ox = 0; ox < g.OW; ox++) {
        const window: number[] = [];
        for (let ky = 0; ky < g.KH; ky++) {
          for (let kx = 0; kx < g.KW; kx++) {
            const iy = oy * g.SH - g.PH + ky;
            const ix = ox * g.SW - g.PW + kx;
            if (iy >= 0 && iy < g.H && ix >= 0 && ix < g.W) window.push((plane * g.H + iy) * g.W + ix);
          }
        }
        taps.push(window);
      }
    }
  }
  return { shape: [xShape[0], xShape[1], g.OH, g.OW], taps };
}

/**
 * Position of a window's maximum as PyTorch's max_pool2d picks it: scanning in row-major window
 * order, a value replaces the best when it is greater or NaN. So ties go to the first maximum,
 * and a window holding NaN gives its *last* NaN.
 */
function windowMax(x: NdArray, window: readonly number[]): number {
  let best = window[0];
  for (let j = 1; j < window.length; j++) {
    const v = x.data[window[j]];
    if (v > x.data[best] || Number.isNaN(v)) best = window[j];
  }
  return best;
}

/** Position of the last maximum of a window: the rule tapegrad does *not* use (for negative checks). */
export function lastMaxPool2dGrad(x: NdArray, dy: NdArray, p: PoolParams): NdArray {
  const { taps } = windows(x.shape, p);
  const dx = nd(x.shape);
  taps.forEach((window, o) => {
    let best = window[0];
    for (const i of window) if (x.data[i] >= x.data[best]) best = i;
    dx.data[best] += dy.data[o];
  });
  return dx;
}

export function maxPool2d(x: NdArray, p: PoolParams): NdArray {
  const { shape, taps } = windows(x.shape, p);
  const out = nd(shape);
  taps.forEach((window, o) => { out.data[o] = window.length === 0 ? -Infinity : x.data[windowMax(x, window)]; });
  return out;
}

/** Each window's `dy` goes to its maximum as `windowMax` picks it (the first maximum, or the last NaN). */
export function maxPool2dGrad(x: NdArray, dy: NdArray, p: PoolParams): NdArray {
  const { taps } = windows(x.shape, p);
  const dx = nd(x.shape);
  taps.forEach((window, o) => { if (window.length > 0) dx.data[windowMax(x, window)] += dy.data[o]; });
  return dx;
}

/**
 * PyTorch's `count_include_pad=True` divisor of window `o` (flat over `[planes, OH, OW]`), as its
 * avg_pool2d kernel computes it: `hend = min(hstart + kH, H + pH)`, `pool_size = (hend - hstart) *
 * (wend - wstart)`, before clipping to the image. It is kH * kW except for windows that `ceilMode`
 * lets reach past the bottom or right padding.
 */
function avgDivisor(g: PoolGeometry, o: number): number {
  const ox = o % g.OW;
  const oy = Math.floor(o / g.OW) % g.OH;
  const hstart = oy * g.SH - g.PH;
  const wstart = ox * g.SW - g.PW;
  const hend = Math.min(hstart + g.KH, g.H + g.PH);
  const wend = Math.min(wstart + g.KW, g.W + g.PW);
  return (hend - hstart) * (wend - wstart);
}

/** Mean over the window: padding counts as zeros (the divisor is kH * kW but for `ceilMode`'s cut-short windows). */
export function avgPool2d(x: NdArray, p: PoolParams): NdArray {
  const g = poolGeometry(x.shape, p);
  const { shape, taps } = windows(x.shape, p);
  const out = nd(shape);
  taps.forEach((window, o) => {
    let acc = 0;
    for (const i of window) acc += x.data[i];
    out.data[o] = acc / avgDivisor(g, o);
  });
  return out;
}

export function avgPool2dGrad(xShape: readonly number[], dy: NdArray, p: PoolParams): NdArray {
  const g = poolGeometry(xShape, p);
  const { taps } = windows(xShape, p);
  const dx = nd(xShape);
  taps.forEach((window, o) => { for (const i of window) dx.data[i] += dy.data[o] / avgDivisor(g, o); });
  return dx;
}
