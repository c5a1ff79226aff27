/**
 * The shared launcher of gather kernels: each output element (a thread) decodes its coordinates
 * and reads whatever inputs it needs. Inputs and outputs may be split into parts (see parts.ts).
 * The launcher repartitions an input whose parts do not fall on the units a kernel reads by,
 * picks output parts small enough that each call binds at most `maxArrays` input parts (an input
 * aligned with the output on leading axes passes only the parts those axes cover), runs one call
 * per output part, and frees temporaries afterwards.
 */
import { sizeOf, stridesOf } from '@tapegrad/core';
import { decodeOutput, layoutCandidates, layoutKey, lit, partCount, partLengthAt, readAt, splitFor, type InputView, type Layout, type Split } from '../parts.js';
import type { KernelArg, KernelContext, PartData, Tensorish } from './context.js';
import { wideAxisError } from './shapes.js';

/** An input of a gather kernel, read as logical `dims` starting `offset` elements into its storage. */
export interface GatherInput {
  readonly data: Tensorish;
  /** Logical dims; their product may pass the storage's end only by padding the leading axis (see shapes.ts). */
  readonly dims: readonly number[];
  /** Elements of the storage before the view's first (default 0); a multiple of the unit it is read by. */
  readonly offset?: number;
  /**
   * Leading axes this input shares with the output, extent for extent: an output element reads only
   * input elements with its own coordinates on them, so a call passes only the parts those hold.
   */
  readonly aligned?: number;
  /** The view elements [from, to) that output elements [start, end) read, where `aligned` says too little. */
  readonly reads?: (start: number, end: number) => readonly [number, number];
}

/** Helps a kernel body read its inputs. */
export interface BodyBuilder {
  /** Output coordinate variable names, `o0..o{r-1}`. */
  readonly o: readonly string[];
  /** Reads input `index` at coordinate expressions: statements to place first, then the value. */
  read(index: number, coords: readonly string[]): { pre: string; expr: string };
}

export interface GatherSpec {
  /** Op name, for errors. */
  readonly op: string;
  /** Cache key of everything the body depends on (attributes, shapes). */
  readonly key: string;
  readonly outDims: readonly number[];
  /** Elements of the output (default: the product of outDims; less when its leading axis is padded). */
  readonly outSize?: number;
  readonly inputs: readonly GatherInput[];
  /** The body after the coordinate prologue; it must end with `return <float>;`. */
  body(b: BodyBuilder): string;
}

interface Prepared {
  readonly data: Tensorish;
  readonly dims: readonly number[];
  readonly offset: number;
  /** Elements the view covers (its dims' product, cut at the storage's end). */
  readonly size: number;
  readonly split: Split;
  readonly aligned: number;
  readonly reads: ((start: number, end: number) => readonly [number, number]) | undefined;
}

/** Which parts of each input one output part reads: [first, last] per input. */
type Windows = readonly (readonly [number, number])[];

interface OutputPlan {
  readonly layout: Layout;
  readonly split: Split;
  readonly windows: readonly Windows[];
}

/** A kernel whose inputs would bind more parts than the mode allows, however its output is cut (callers may split the work). */
export class BindingLimitError extends Error {}

/** Runs a gather kernel over every part of its output. */
export function gather(ctx: KernelContext, spec: GatherSpec): Tensorish {
  const outSize = spec.outSize ?? sizeOf(spec.outDims);
  if (outSize === 0) return { layout: { size: 0, partLength: 1 }, parts: [] };
  // Coordinates are floats: an axis this long must have been split (shapes.ts), never read inexactly.
  for (const dims of [spec.outDims, ...spec.inputs.map((input) => input.dims)]) {
    const axis = dims.findIndex((extent) => extent >= ctx.exact);
    if (axis >= 0) throw wideAxisError(ctx.mode, spec.op, dims, axis, ctx.exact);
  }
  const temps: PartData[] = [];
  const inputs = spec.inputs.map((input) => prepare(ctx, input, temps));
  let plan: OutputPlan | { fewest: number };
  // Inputs held in many small parts (e.g. an earlier output cut small) are merged into longer
  // parts, round by round, until the calls bind few enough.
  while ('fewest' in (plan = planOutput(ctx, spec, outSize, inputs))) {
    const merged = inputs.map((input) => consolidate(ctx, input));
    if (merged.every((input, i) => input === inputs[i])) {
      ctx.release(temps, []);
      throw bindingError(ctx, spec, inputs, plan.fewest);
    }
    merged.forEach((input, i) => {
      if (input !== inputs[i]) temps.push(...input.data.parts);
      inputs[i] = input;
    });
  }
  const { layout, split, windows } = plan;
  const multi = split.axis >= 0;
  const baseKey = `${spec.key}|out=${layoutKey(layout)}:${spec.outDims.join('x')}|in=${inputs.map((v) => `${layoutKey(v.data.layout)}:${v.dims.join('x')}@${v.offset}`).join(',')}`;
  const parts: PartData[] = [];
  for (let i = 0; i < partCount(layout); i++) {
    const length = partLengthAt(layout, i);
    const views: InputView[] = [];
    const args: KernelArg[] = [];
    const scalars: number[] = [];
    inputs.forEach((input, index) => {
      const [first, last] = windows[i][index];
      const windowed = first > 0 || last < partCount(input.data.layout) - 1;
      const names: string[] = [];
      const lengths: number[] = [];
      for (let p = first; p <= last; p++) {
        names.push(`in${index}_${p - first}`);
        lengths.push(partLengthAt(input.data.layout, p));
        args.push(input.data.parts[p]);
      }
      if (windowed) scalars.push(first);
      views.push({ names, lengths, layout: input.data.layout, dims: input.dims, offset: input.offset, split: input.split, base: windowed ? `base${index}` : null });
    });
    const source = (): string => {
      let counter = 0;
      const builder: BodyBuilder = {
        o: spec.outDims.map((_, axis) => `o${axis}`),
        read: (index, coords) => readAt(views[index], coords, `rd${counter++}_`),
      };
      const params = views.flatMap((v) => v.names);
      for (const v of views) if (v.base) params.push(v.base);
      if (multi) params.push('lead0');
      return `function(${params.join(', ')}) {\n${decodeOutput(spec.outDims, split)}\n${spec.body(builder)}\n}`;
    };
    const passed = views.map((v) => `${v.base ? 'w' : ''}${v.lengths.join('+')}`).join(',');
    if (multi) scalars.push(i * split.unitsPerPart);
    parts.push(ctx.run(spec.op, `${baseKey}|len=${length}|args=${passed}`, source, length, [...args, ...scalars]));
  }
  if (temps.length > 0) ctx.release(temps, parts);
  return { layout, parts };
}

/** Reads `input` by a split of its dims, repartitioning it (a temporary copy) when its parts do not fit them. */
function prepare(ctx: KernelContext, input: GatherInput, temps: PartData[]): Prepared {
  const offset = input.offset ?? 0;
  const size = Math.min(sizeOf(input.dims), input.data.layout.size - offset);
  const { aligned = 0, reads } = input;
  const split = splitFor(input.data.layout, input.dims, ctx.exact, offset);
  if (split) return { data: input.data, dims: input.dims, offset, size, split, aligned, reads };
  // Target parts at most maxArrays - 1 source parts long, so each copy binds few enough.
  const source = input.data.layout.partLength;
  const cap = Number.isFinite(ctx.maxArrays) ? Math.max(1, ctx.maxArrays - 1) * source : ctx.limit;
  for (const limit of [Math.min(ctx.limit, cap), ctx.limit]) {
    for (const candidate of layoutCandidates(input.dims, limit, ctx.exact, size)) {
      const data = repartition(ctx, input.data, candidate.layout, offset);
      temps.push(...data.parts);
      return { data, dims: input.dims, offset: 0, size, split: candidate.split, aligned, reads };
    }
  }
  throw new Error(`gpujs backend (${ctx.mode}): cannot hold a tensor of shape [${input.dims.join(', ')}] in parts of at most ${ctx.limit} elements with exact indices`);
}

/** The parts of `input` that output elements [start, end) read. */
function windowOf(input: Prepared, outDims: readonly number[], start: number, end: number): [number, number] {
  const layout = input.data.layout;
  const count = partCount(layout);
  if (count <= 1) return [0, count - 1];
  let from = input.offset;
  let to = input.offset + input.size;
  if (input.reads) {
    const [first, past] = input.reads(start, end);
    from = input.offset + first;
    to = input.offset + Math.min(past, input.size);
  } else if (input.aligned > 0) {
    // Output prefix p (its first `aligned` coordinates) reads input elements [p * inner, (p + 1) * inner).
    const outInner = sizeOf(outDims.slice(input.aligned));
    const inInner = sizeOf(input.dims.slice(input.aligned));
    from = input.offset + Math.floor(start / outInner) * inInner;
    to = Math.min(to, input.offset + (Math.floor((end - 1) / outInner) + 1) * inInner);
  }
  return [Math.floor(from / layout.partLength), Math.floor((to - 1) / layout.partLength)];
}

/**
 * The first output layout (see layoutCandidates) whose calls each bind at most maxArrays input
 * parts, or the fewest parts any layout's calls would bind.
 */
function planOutput(ctx: KernelContext, spec: GatherSpec, outSize: number, inputs: readonly Prepared[]): OutputPlan | { fewest: number } {
  let fewest = Number.POSITIVE_INFINITY;
  for (const { layout, split } of layoutCandidates(spec.outDims, ctx.limit, ctx.exact, outSize)) {
    const windows: Windows[] = [];
    let most = 0;
    for (let i = 0; i < partCount(layout) && most <= ctx.maxArrays; i++) {
      const start = i * layout.partLength;
      const w = inputs.map((input) => windowOf(input, spec.outDims, start, start + partLengthAt(layout, i)));
      most = Math.max(most, w.reduce((n, [first, last]) => n + last - first + 1, 0));
      windows.push(w);
    }
    if (most <= ctx.maxArrays) return { layout, split, windows };
    fewest = Math.min(fewest, most);
  }
  return { fewest };
}

function bindingError(ctx: KernelContext, spec: GatherSpec, inputs: readonly Prepared[], fewest: number): BindingLimitError {
  const shapes = inputs.map((v) => `[${v.dims.join(', ')}] in ${partCount(v.data.layout)} parts`).join(', ');
  const output = `output [${spec.outDims.join(', ')}], parts of at most ${ctx.limit} elements`;
  if (!Number.isFinite(fewest)) {
    return new BindingLimitError(`gpujs backend (${ctx.mode}): ${spec.op} cannot cut its ${output} into fewer than ${ctx.exact} units (inputs ${shapes})`);
  }
  return new BindingLimitError(`gpujs backend (${ctx.mode}): ${spec.op} would bind ${fewest} input parts in one kernel, more than the ${ctx.maxArrays} this mode allows (inputs ${shapes}; ${output})`);
}

/**
 * `input` copied into parts longer than its own (up to the part limit, each copy binding at most
 * maxArrays of its parts), or `input` itself when its parts cannot grow.
 */
function consolidate(ctx: KernelContext, input: Prepared): Prepared {
  const current = input.data.layout.partLength;
  if (partCount(input.data.layout) <= 1 || current * 2 > ctx.limit) return input;
  const cap = Number.isFinite(ctx.maxArrays) ? Math.max(1, ctx.maxArrays - 1) * current : ctx.limit;
  for (const candidate of layoutCandidates(input.dims, Math.min(ctx.limit, cap), ctx.exact, input.size)) {
    if (candidate.layout.partLength <= current && partCount(candidate.layout) > 1) break;
    const data = repartition(ctx, input.data, candidate.layout, input.offset);
    return { ...input, data, offset: 0, split: candidate.split };
  }
  return input;
}

/**
 * The reads of an input where output element `o` reads the `extent` elements from
 * `sum_i o_i * strides[i]` (strides 0 on broadcast axes): output elements [start, end) read within
 * the hull spanned by the axes on which their coordinates differ.
 */
export function affineReads(outDims: readonly number[], strides: readonly number[], extent = 1): (start: number, end: number) => readonly [number, number] {
  const outStrides = stridesOf(outDims);
  const coord = (flat: number, axis: number): number => Math.floor(flat / outStrides[axis]) % outDims[axis];
  return (start, end) => {
    let axis = 0;
    let base = 0;
    while (axis < outDims.length && coord(start, axis) === coord(end - 1, axis)) base += coord(start, axis) * strides[axis++];
    if (axis === outDims.length) return [base, base + extent];
    let last = base + coord(end - 1, axis) * strides[axis];
    for (let later = axis + 1; later < outDims.length; later++) last += (outDims[later] - 1) * strides[later];
    return [base + coord(start, axis) * strides[axis], last + extent];
  };
}

/**
 * Copies elements [offset, offset + target.size) of `data` into `target`'s parts. Each target part
 * reads the (at most a few) source parts it overlaps, with every offset baked in below 2^24.
 */
function repartition(ctx: KernelContext, data: Tensorish, target: Layout, offset = 0): Tensorish {
  const source = data.layout;
  const parts: PartData[] = [];
  for (let j = 0; j < partCount(target); j++) {
    const start = offset + j * target.partLength;
    const length = partLengthAt(target, j);
    const first = Math.floor(start / source.partLength);
    const last = Math.floor((start + length - 1) / source.partLength);
    if (last - first + 1 > ctx.maxArrays) {
      throw new Error(`gpujs backend (${ctx.mode}): repartitioning parts of ${source.partLength} into parts of ${target.partLength} elements would bind ${last - first + 1} parts, more than the ${ctx.maxArrays} this mode allows`);
    }
    // Segment s covers target offsets [bounds[s], bounds[s+1]) from source part first+s at srcOffset[s].
    const bounds: number[] = [0];
    const offsets: number[] = [];
    const lengths: number[] = [];
    for (let p = first; p <= last; p++) {
      const partStart = p * source.partLength;
      const segStart = Math.max(start, partStart);
      const segEnd = Math.min(start + length, partStart + partLengthAt(source, p));
      offsets.push(segStart - partStart);
      lengths.push(partLengthAt(source, p));
      bounds.push(segEnd - start);
    }
    const key = `repartition|${bounds.join(',')}|${offsets.join(',')}|${lengths.join(',')}`;
    const names = offsets.map((_, s) => `s${s}`);
    const makeSource = (): string => {
      // In range where selected; clamped (abs, then length - 0.5) where a branch runs eagerly
      // unselected. Computed as statements: inside [] gpu.js's GLSL turns literals into ints.
      const clamps = names.map((_name, s) => `const i${s} = Math.min(Math.abs(t - ${lit(bounds[s])} + ${lit(offsets[s])}), ${lit(lengths[s] - 0.5)});`);
      let expr = `${names[names.length - 1]}[i${names.length - 1}]`;
      for (let s = names.length - 2; s >= 0; s--) expr = `(t < ${lit(bounds[s + 1])} ? ${names[s]}[i${s}] : ${expr})`;
      return `function(${names.join(', ')}) {\nconst t = this.thread.x;\n${clamps.join('\n')}\nreturn ${expr};\n}`;
    };
    parts.push(ctx.run('repartition', key, makeSource, length, data.parts.slice(first, last + 1)));
  }
  return { layout: target, parts };
}

/**
 * Two storages of one size in one layout, for part-by-part kernels: the one with longer parts is
 * copied into the other's (each copy then binds at most two source parts). `temps` are the copy's
 * parts, to release after use.
 */
export function sameLayout(ctx: KernelContext, a: Tensorish, b: Tensorish): { a: Tensorish; b: Tensorish; temps: readonly PartData[] } {
  if (a.layout.partLength === b.layout.partLength || (partCount(a.layout) <= 1 && partCount(b.layout) <= 1)) return { a, b, temps: [] };
  if (a.layout.partLength < b.layout.partLength) {
    const copy = repartition(ctx, b, a.layout);
    return { a, b: copy, temps: copy.parts };
  }
  const copy = repartition(ctx, a, b.layout);
  return { a: copy, b, temps: copy.parts };
}
