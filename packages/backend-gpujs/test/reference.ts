/**
 * A float64 reference of every Backend kernel, as plain gather loops, written from the interface's
 * definitions (independent of the CPU backend's optimised kernels). Implements just enough of
 * `Backend` for the parity tests.
 */
import { LedgerBackedStorage, StorageLedger, type BinaryInfo, type ChannelInfo, type Conv2dInfo, type DataId, type GatherInfo, type MatmulInfo, type PadInfo, type Pool2dInfo, type ReduceInfo, type Shape } from '@tapegrad/core';
import type { AdamMoments, AdamUpdated, AdamUpdateInfo, SgdUpdated, SgdUpdateInfo } from '@tapegrad/core';

type Values = Float64Array;

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Index of a row's first NaN, else of its first maximum (`torch.max(x, dim)`: NaN counts as the maximum). */
function firstMax(row: Values): number {
  const nan = row.findIndex(Number.isNaN);
  if (nan >= 0) return nan;
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** The subset of Backend the tests call, in float64, rounded to float32 on read. */
export class ReferenceBackend extends LedgerBackedStorage<Values> {
  /** Float64 values per storage (8 bytes an element); freeing needs nothing but dropping them. */
  protected readonly ledger = new StorageLedger<Values>('reference', () => undefined);

  private put(values: Values): DataId {
    return this.ledger.add(values, values.byteLength);
  }

  private v(id: DataId): Values {
    return this.ledger.get(id);
  }

  write(values: Float32Array): DataId { return this.put(Float64Array.from(values)); }
  async read(id: DataId): Promise<Float32Array> { return Float32Array.from(this.v(id)); }
  readSync(id: DataId): Float32Array { return Float32Array.from(this.v(id)); }

  private map(x: DataId, f: (v: number) => number): DataId { return this.put(this.v(x).map(f)); }
  neg(x: DataId): DataId { return this.map(x, (v) => -v); }
  exp(x: DataId): DataId { return this.map(x, Math.exp); }
  log(x: DataId): DataId { return this.map(x, Math.log); }
  sqrt(x: DataId): DataId { return this.map(x, Math.sqrt); }
  relu(x: DataId): DataId { return this.map(x, (v) => (v < 0 ? 0 : v)); }
  sigmoid(x: DataId): DataId { return this.map(x, (v) => 1 / (1 + Math.exp(-v))); }
  tanh(x: DataId): DataId { return this.map(x, Math.tanh); }
  step(x: DataId): DataId { return this.map(x, (v) => (v > 0 ? 1 : 0)); }
  reluBackprop(dy: DataId, y: DataId): DataId {
    const vy = this.v(y);
    return this.put(this.v(dy).map((g, i) => (vy[i] <= 0 ? 0 : g)));
  }
  reluBackpropBias(dy: DataId, y: DataId, { batch, channels, positions }: ChannelInfo): { dz: DataId; db: DataId } {
    const dz = this.reluBackprop(dy, y);
    const vz = this.v(dz);
    const db = new Float64Array(channels);
    for (let i = 0; i < vz.length; i++) db[Math.floor(i / positions) % channels] += vz[i];
    return { dz, db: this.put(db) };
  }

  private zip(a: DataId, b: DataId, info: BinaryInfo, f: (x: number, y: number) => number): DataId {
    const out = info.outShape;
    const rank = out.length;
    const stridesIn = (shape: Shape): number[] => {
      const s = strides(shape);
      return out.map((_, axis) => {
        const i = axis - (rank - shape.length);
        return i < 0 || shape[i] === 1 ? 0 : s[i];
      });
    };
    const [sa, sb, so] = [stridesIn(info.aShape), stridesIn(info.bShape), strides(out)];
    const [va, vb] = [this.v(a), this.v(b)];
    const result = new Float64Array(size(out));
    for (let i = 0; i < result.length; i++) {
      let ia = 0;
      let ib = 0;
      for (let axis = 0; axis < rank; axis++) {
        const c = Math.floor(i / so[axis]) % out[axis];
        ia += c * sa[axis];
        ib += c * sb[axis];
      }
      result[i] = f(va[ia], vb[ib]);
    }
    return this.put(result);
  }
  add(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.zip(a, b, info, (x, y) => x + y); }
  sub(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.zip(a, b, info, (x, y) => x - y); }
  mul(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.zip(a, b, info, (x, y) => x * y); }
  div(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.zip(a, b, info, (x, y) => x / y); }
  pow(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.zip(a, b, info, Math.pow); }
  maximum(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.zip(a, b, info, (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y))); }
  greater(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.zip(a, b, info, (x, y) => (x > y ? 1 : 0)); }

  private rows(x: DataId, { outSize, reduceSize }: ReduceInfo, f: (row: Values) => number): DataId {
    const v = this.v(x);
    return this.put(Float64Array.from({ length: outSize }, (_, o) => f(v.subarray(o * reduceSize, (o + 1) * reduceSize))));
  }
  sum(x: DataId, info: ReduceInfo): DataId { return this.rows(x, info, (r) => r.reduce((a, b) => a + b, 0)); }
  max(x: DataId, info: ReduceInfo): DataId { return this.rows(x, info, (r) => r[firstMax(r)]); }
  argmax(x: DataId, info: ReduceInfo): DataId { return this.rows(x, info, firstMax); }

  transpose(x: DataId, shape: Shape, perm: readonly number[]): DataId {
    const v = this.v(x);
    const inStrides = strides(shape);
    const outShape = perm.map((a) => shape[a]);
    const outStrides = strides(outShape);
    const out = new Float64Array(v.length);
    for (let j = 0; j < out.length; j++) {
      let src = 0;
      perm.forEach((axis, i) => { src += (Math.floor(j / outStrides[i]) % outShape[i]) * inStrides[axis]; });
      out[j] = v[src];
    }
    return this.put(out);
  }

  matmul(a: DataId, b: DataId, info: MatmulInfo): DataId {
    const { batch, m, n, k, transA, transB, aBatch, bBatch } = info;
    const [va, vb] = [this.v(a), this.v(b)];
    const out = new Float64Array(batch * m * n);
    for (let bi = 0; bi < batch; bi++) {
      const ao = aBatch === 1 ? 0 : bi * m * k;
      const bo = bBatch === 1 ? 0 : bi * k * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let kk = 0; kk < k; kk++) acc += va[ao + (transA ? kk * m + i : i * k + kk)] * vb[bo + (transB ? j * k + kk : kk * n + j)];
          out[(bi * m + i) * n + j] = acc;
        }
      }
    }
    return this.put(out);
  }

  oneHot(indices: DataId, n: number, depth: number): DataId {
    const v = this.v(indices);
    const out = new Float64Array(n * depth);
    for (let i = 0; i < n; i++) if (Number.isInteger(v[i]) && v[i] >= 0 && v[i] < depth) out[i * depth + v[i]] = 1;
    return this.put(out);
  }

  fill(count: number, value: number): DataId { return this.put(new Float64Array(count).fill(value)); }

  /** Each output element from its coordinates: x's element at `o - before` inside x's box, else the base's or the value. */
  pad(x: DataId, base: DataId | null, info: PadInfo): DataId {
    const [vx, vb] = [this.v(x), base ? this.v(base) : null];
    const inStrides = strides(info.inShape);
    const outStrides = strides(info.outShape);
    const out = new Float64Array(size(info.outShape));
    for (let o = 0; o < out.length; o++) {
      let source = 0;
      let inside = true;
      info.outShape.forEach((extent, a) => {
        const s = (Math.floor(o / outStrides[a]) % extent) - info.before[a];
        inside &&= s >= 0 && s < info.inShape[a];
        source += s * inStrides[a];
      });
      out[o] = inside ? vx[source] : vb ? vb[o] : info.value;
    }
    return this.put(out);
  }

  /** The index `gather` and `scatterAdd` use for `(o, j, i)`, or -1 where it selects nothing. */
  private indexAt(indices: Values, { axisSize, count, inner, perElement }: GatherInfo, o: number, j: number, i: number): number {
    const a = perElement ? indices[(o * count + j) * inner + i] : indices[j];
    return Number.isInteger(a) && a >= 0 && a < axisSize ? a : -1;
  }

  gather(x: DataId, indices: DataId, info: GatherInfo): DataId {
    const [vx, vi] = [this.v(x), this.v(indices)];
    const { outer, axisSize, count, inner } = info;
    const out = new Float64Array(outer * count * inner);
    for (let o = 0; o < outer; o++) for (let j = 0; j < count; j++) for (let i = 0; i < inner; i++) {
      const a = this.indexAt(vi, info, o, j, i);
      out[(o * count + j) * inner + i] = a < 0 ? 0 : vx[(o * axisSize + a) * inner + i];
    }
    return this.put(out);
  }

  /** Scatter form (the opposite of the gpujs kernel): each dy element adds into the element its index selects. */
  scatterAdd(dy: DataId, indices: DataId, info: GatherInfo): DataId {
    const [vdy, vi] = [this.v(dy), this.v(indices)];
    const { outer, axisSize, count, inner } = info;
    const out = new Float64Array(outer * axisSize * inner);
    for (let o = 0; o < outer; o++) for (let j = 0; j < count; j++) for (let i = 0; i < inner; i++) {
      const a = this.indexAt(vi, info, o, j, i);
      if (a >= 0) out[(o * axisSize + a) * inner + i] += vdy[(o * count + j) * inner + i];
    }
    return this.put(out);
  }

  /**
   * Input index (-1 on padding) and weight index of tap (ci, ky, kx) of output (n, o, oy, ox): ci
   * counts the channels of o's group g = floor(o / (O / groups)), the input channel is g * C/groups + ci,
   * and the tap reads (oy*sH - pT + ky*dH, ox*sW - pL + kx*dW).
   */
  private convTap(c: Conv2dInfo, n: number, o: number, oy: number, ox: number, ci: number, ky: number, kx: number): [number, number] {
    const perGroup = c.inChannels / c.groups;
    const channel = Math.floor(o / (c.outChannels / c.groups)) * perGroup + ci;
    const iy = oy * c.strideHeight - c.padTop + ky * c.dilationHeight;
    const ix = ox * c.strideWidth - c.padLeft + kx * c.dilationWidth;
    const inside = iy >= 0 && iy < c.inHeight && ix >= 0 && ix < c.inWidth;
    return [inside ? ((n * c.inChannels + channel) * c.inHeight + iy) * c.inWidth + ix : -1, ((o * perGroup + ci) * c.kernelHeight + ky) * c.kernelWidth + kx];
  }

  conv2d(x: DataId, w: DataId, bias: DataId | null, c: Conv2dInfo, activation: 'linear' | 'relu'): DataId {
    const [vx, vw, vb] = [this.v(x), this.v(w), bias ? this.v(bias) : null];
    const out = new Float64Array(size(c.outShape));
    for (let n = 0; n < c.batch; n++) for (let o = 0; o < c.outChannels; o++) for (let oy = 0; oy < c.outHeight; oy++) for (let ox = 0; ox < c.outWidth; ox++) {
      let acc = vb ? vb[o] : 0;
      for (let ci = 0; ci < c.inChannels / c.groups; ci++) for (let ky = 0; ky < c.kernelHeight; ky++) for (let kx = 0; kx < c.kernelWidth; kx++) {
        const [xi, wi] = this.convTap(c, n, o, oy, ox, ci, ky, kx);
        // Padding is 0, still multiplied (0 * inf = NaN, as PyTorch).
        acc += (xi >= 0 ? vx[xi] : 0) * vw[wi];
      }
      out[((n * c.outChannels + o) * c.outHeight + oy) * c.outWidth + ox] = activation === 'relu' && acc < 0 ? 0 : acc;
    }
    return this.put(out);
  }

  /** Scatter form (the opposite of the kernels under test): each (output, tap) adds into its input; xi = -1 on padding. */
  private convScatter(c: Conv2dInfo, visit: (xi: number, wi: number, yi: number) => void): void {
    for (let n = 0; n < c.batch; n++) for (let o = 0; o < c.outChannels; o++) for (let oy = 0; oy < c.outHeight; oy++) for (let ox = 0; ox < c.outWidth; ox++) {
      const yi = ((n * c.outChannels + o) * c.outHeight + oy) * c.outWidth + ox;
      for (let ci = 0; ci < c.inChannels / c.groups; ci++) for (let ky = 0; ky < c.kernelHeight; ky++) for (let kx = 0; kx < c.kernelWidth; kx++) {
        const [xi, wi] = this.convTap(c, n, o, oy, ox, ci, ky, kx);
        visit(xi, wi, yi);
      }
    }
  }
  conv2dBackpropInput(dy: DataId, w: DataId, c: Conv2dInfo): DataId {
    const [vdy, vw] = [this.v(dy), this.v(w)];
    const out = new Float64Array(size(c.inShape));
    this.convScatter(c, (xi, wi, yi) => { if (xi >= 0) out[xi] += vdy[yi] * vw[wi]; });
    return this.put(out);
  }
  conv2dBackpropFilter(x: DataId, dy: DataId, c: Conv2dInfo): DataId {
    const [vx, vdy] = [this.v(x), this.v(dy)];
    const out = new Float64Array(size(c.filterShape));
    // Padding is 0, still multiplied: an infinite dy there gives NaN (as PyTorch).
    this.convScatter(c, (xi, wi, yi) => { out[wi] += vdy[yi] * (xi >= 0 ? vx[xi] : 0); });
    return this.put(out);
  }

  /** Input index of each window's maximum: its first maximum (row-major window order), or its last NaN (PyTorch's max_pool2d). */
  private windowMax(vx: Values, p: Pool2dInfo): number[] {
    const out: number[] = [];
    for (let plane = 0; plane < p.batch * p.channels; plane++) for (let oy = 0; oy < p.outHeight; oy++) for (let ox = 0; ox < p.outWidth; ox++) {
      let best = -1;
      for (let ky = 0; ky < p.kernelHeight; ky++) for (let kx = 0; kx < p.kernelWidth; kx++) {
        const iy = oy * p.strideHeight - p.padTop + ky;
        const ix = ox * p.strideWidth - p.padLeft + kx;
        if (iy < 0 || iy >= p.inHeight || ix < 0 || ix >= p.inWidth) continue;
        const i = (plane * p.inHeight + iy) * p.inWidth + ix;
        if (best < 0 || vx[i] > vx[best] || Number.isNaN(vx[i])) best = i;
      }
      out.push(best);
    }
    return out;
  }
  maxPool2d(x: DataId, p: Pool2dInfo): DataId {
    const vx = this.v(x);
    return this.put(Float64Array.from(this.windowMax(vx, p), (i) => vx[i]));
  }
  /** Keeps `x` as `argmax`, as gpu.js does: the gradient finds the maxima again. */
  maxPool2dWithArgmax(x: DataId, p: Pool2dInfo): { y: DataId; argmax: DataId } {
    const y = this.maxPool2d(x, p);
    this.incRef(x);
    return { y, argmax: x };
  }
  maxPool2dBackpropArgmax(dy: DataId, x: DataId, p: Pool2dInfo): DataId {
    const vdy = this.v(dy);
    const out = new Float64Array(size(p.inShape));
    this.windowMax(this.v(x), p).forEach((i, o) => { out[i] += vdy[o]; });
    return this.put(out);
  }

  private windows(p: Pool2dInfo, visit: (xi: number, yi: number) => void): void {
    let yi = 0;
    for (let plane = 0; plane < p.batch * p.channels; plane++) for (let oy = 0; oy < p.outHeight; oy++) for (let ox = 0; ox < p.outWidth; ox++, yi++) {
      for (let ky = 0; ky < p.kernelHeight; ky++) for (let kx = 0; kx < p.kernelWidth; kx++) {
        const iy = oy * p.strideHeight - p.padTop + ky;
        const ix = ox * p.strideWidth - p.padLeft + kx;
        if (iy >= 0 && iy < p.inHeight && ix >= 0 && ix < p.inWidth) visit((plane * p.inHeight + iy) * p.inWidth + ix, yi);
      }
    }
  }
  avgPool2d(x: DataId, p: Pool2dInfo): DataId {
    const vx = this.v(x);
    const out = new Float64Array(size(p.outShape));
    this.windows(p, (xi, yi) => { out[yi] += vx[xi] / (p.kernelHeight * p.kernelWidth); });
    return this.put(out);
  }
  avgPool2dBackprop(dy: DataId, p: Pool2dInfo): DataId {
    const vdy = this.v(dy);
    const out = new Float64Array(size(p.inShape));
    this.windows(p, (xi, yi) => { out[xi] += vdy[yi] / (p.kernelHeight * p.kernelWidth); });
    return this.put(out);
  }

  /** Adam's step in float64 on the float32 constants of `info` (`Backend.adamUpdate`'s formula, rounded nowhere). */
  adamUpdate(param: DataId, grad: DataId, state: AdamMoments<DataId>, info: AdamUpdateInfo): AdamUpdated<DataId> {
    const [vp, vg, vm, vv] = [this.v(param), this.v(grad), this.v(state.expAvg), this.v(state.expAvgSq)];
    const vmax = state.maxExpAvgSq ? this.v(state.maxExpAvgSq) : null;
    const out = { param: new Float64Array(vp.length), expAvg: new Float64Array(vp.length), expAvgSq: new Float64Array(vp.length), maxExpAvgSq: vmax ? new Float64Array(vp.length) : null };
    vp.forEach((p, i) => {
      const g = vg[i] + p * info.weightDecay;
      const m = vm[i] * info.beta1 + g * info.oneMinusBeta1;
      const v = vv[i] * info.beta2 + g * g * info.oneMinusBeta2;
      const u = vmax ? (Number.isNaN(vmax[i]) || Number.isNaN(v) ? NaN : Math.max(vmax[i], v)) : v;
      out.param[i] = p + (info.negStepSize * m) / (Math.sqrt(u) / info.biasCorrection2Sqrt + info.eps);
      out.expAvg[i] = m;
      out.expAvgSq[i] = v;
      if (out.maxExpAvgSq) out.maxExpAvgSq[i] = u;
    });
    return { param: this.put(out.param), expAvg: this.put(out.expAvg), expAvgSq: this.put(out.expAvgSq), maxExpAvgSq: out.maxExpAvgSq ? this.put(out.maxExpAvgSq) : null };
  }

  /** SGD's step in float64 on the float32 constants of `info` (`Backend.sgdUpdate`'s formula). */
  sgdUpdate(param: DataId, grad: DataId, momentumBuffer: DataId | null, info: SgdUpdateInfo): SgdUpdated<DataId> {
    const [vp, vg] = [this.v(param), this.v(grad)];
    const vb = momentumBuffer ? this.v(momentumBuffer) : null;
    const out = new Float64Array(vp.length);
    const buffer = info.momentum !== 0 ? new Float64Array(vp.length) : null;
    vp.forEach((p, i) => {
      let d = vg[i] + p * info.weightDecay;
      if (buffer) {
        buffer[i] = vb ? vb[i] * info.momentum + d * info.oneMinusDampening : d;
        d = info.nesterov ? d + buffer[i] * info.momentum : buffer[i];
      }
      out[i] = p + d * info.negLr;
    });
    return { param: this.put(out), momentumBuffer: buffer ? this.put(buffer) : null };
  }
}
