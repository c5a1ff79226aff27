/**
 * The shared launcher of gather kernels: each output element (a thread) decodes its coordinates
 * and reads whatever inputs it needs. Inputs and outputs may be split into parts (see layout.ts);
 * the launcher repartitions an input whose parts do not fall on the units a kernel reads by, runs
 * one call per output part, and frees temporaries afterwards.
 */
import {
  decodeOutput, layoutKey, lit, partCount, partLengthAt, planLayout, readAt, splitFor,
  type InputView, type Layout, type Split,
} from '../layout.js';
import type { KernelArg, KernelContext, PartData, Tensorish } from './context.js';

/** An input of a gather kernel, read as logical `dims` (whose product is its size). */
export interface GatherInput {
  readonly data: Tensorish;
  readonly dims: readonly number[];
  /**
   * Axis 0 of this input is axis 0 of the output (the batch): each output part then gets only the
   * input parts holding its batch entries, which keeps a kernel's arguments few.
   */
  readonly batch?: boolean;
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
  readonly inputs: readonly GatherInput[];
  /** The body after the coordinate prologue; it must end with `return <float>;`. */
  body(b: BodyBuilder): string;
}

interface Prepared {
  readonly data: Tensorish;
  readonly dims: readonly number[];
  readonly split: Split;
  readonly batch: boolean;
}

function product(values: readonly number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

/** Runs a gather kernel over every part of its output. */
export function gather(ctx: KernelContext, spec: GatherSpec): Tensorish {
  const { layout, split } = planLayout(spec.outDims, ctx.limit, ctx.exact);
  if (layout.size === 0) return { layout, parts: [] };
  const temps: PartData[] = [];
  const inputs: Prepared[] = spec.inputs.map((input) => {
    let data = input.data;
    let inSplit = splitFor(data.layout, input.dims, ctx.exact);
    if (!inSplit) {
      data = repartition(ctx, data, planLayout(input.dims, ctx.limit, ctx.exact).layout);
      temps.push(...data.parts);
      inSplit = splitFor(data.layout, input.dims, ctx.exact) as Split;
    }
    return { data, dims: input.dims, split: inSplit, batch: input.batch === true && input.dims[0] === spec.outDims[0] };
  });
  const multi = split.axis >= 0;
  // Output lead units per batch entry (the output's axis-0 extent spans its lead).
  const outLeadPerBatch = multi ? product(spec.outDims.slice(1, split.axis + 1)) : 1;
  const baseKey = `${spec.key}|out=${layoutKey(layout)}|in=${inputs.map((v) => `${layoutKey(v.data.layout)}:${v.dims.join('x')}`).join(',')}`;
  const parts: PartData[] = [];
  for (let i = 0; i < partCount(layout); i++) {
    const length = partLengthAt(layout, i);
    const views: InputView[] = [];
    const args: KernelArg[] = [];
    const scalars: number[] = [];
    inputs.forEach((input, index) => {
      const count = partCount(input.data.layout);
      let first = 0;
      let last = count - 1;
      const windowed = multi && input.batch && input.split.axis >= 0;
      if (windowed) {
        const leadStart = i * split.unitsPerPart;
        const leadEnd = leadStart + length / split.unit;
        const n0 = Math.floor(leadStart / outLeadPerBatch);
        const n1 = Math.ceil(leadEnd / outLeadPerBatch);
        const inLeadPerBatch = product(input.dims.slice(1, input.split.axis + 1));
        first = Math.floor((n0 * inLeadPerBatch) / input.split.unitsPerPart);
        last = Math.min(count - 1, Math.floor((n1 * inLeadPerBatch - 1) / input.split.unitsPerPart));
      }
      const names: string[] = [];
      const lengths: number[] = [];
      for (let p = first; p <= last; p++) {
        names.push(`in${index}_${p - first}`);
        lengths.push(partLengthAt(input.data.layout, p));
        args.push(input.data.parts[p]);
      }
      if (windowed) scalars.push(first);
      views.push({ names, lengths, layout: input.data.layout, dims: input.dims, split: input.split, base: windowed ? `base${index}` : null });
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
    if (args.length > ctx.maxArrays) {
      throw new Error(`gpujs backend (${ctx.mode}): ${spec.op} would bind ${args.length} input parts in one kernel, more than the ${ctx.maxArrays} this mode allows; tensors over ${ctx.limit} elements are held in parts: use a smaller batch`);
    }
    const passed = views.map((v) => `${v.base ? 'w' : ''}${v.lengths.join('+')}`).join(',');
    if (multi) scalars.push(i * split.unitsPerPart);
    parts.push(ctx.run(spec.op, `${baseKey}|len=${length}|args=${passed}`, source, length, [...args, ...scalars]));
  }
  if (temps.length > 0) ctx.release(temps, parts);
  return { layout, parts };
}

/**
 * Copies `data` into `target`'s parts. Each target part reads the (at most a few) source parts it
 * overlaps, with every offset baked in below 2^24.
 */
export function repartition(ctx: KernelContext, data: Tensorish, target: Layout): Tensorish {
  const source = data.layout;
  const parts: PartData[] = [];
  for (let j = 0; j < partCount(target); j++) {
    const start = j * target.partLength;
    const length = partLengthAt(target, j);
    const first = Math.floor(start / source.partLength);
    const last = Math.floor((start + length - 1) / source.partLength);
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

/** Brings `data` to `target` unless it already has that layout (then returns it, not a copy). */
export function ensureLayout(ctx: KernelContext, data: Tensorish, target: Layout): { data: Tensorish; temporary: boolean } {
  if (data.layout.partLength === target.partLength || partCount(data.layout) <= 1 && partCount(target) <= 1) {
    return { data, temporary: false };
  }
  return { data: repartition(ctx, data, target), temporary: true };
}
