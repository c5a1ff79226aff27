/**
 * How a storage is cut into parts, and the kernel source that decodes output coordinates and reads
 * inputs across parts.
 *
 * gpu.js kernels compute indices in float32 in every mode but `cpu` (webasm and webgpu declare every
 * variable f32 and divide in f32; GL modes are float throughout), exact only below 2^24. So a
 * storage larger than the part limit is held as several parts of `partLength` elements each (the
 * last may be shorter), cut at whole "units" of a leading axis (e.g. whole images). Inside a kernel
 * every index is then split as `lead` (which unit) and the offset within the unit, so no float ever
 * holds an index at or past the exact limit.
 */
import { sizeOf, stridesOf } from '@tapegrad/core';

/** The largest integer below which float32 holds every integer exactly (indices must stay below it). */
export const EXACT_INDEX_LIMIT = 1 << 24;

/** How a flat storage of `size` elements is split: parts of `partLength` (the last may be shorter). */
export interface Layout {
  readonly size: number;
  readonly partLength: number;
}

export function partCount(layout: Layout): number {
  return layout.size === 0 ? 0 : Math.ceil(layout.size / layout.partLength);
}

export function partLengthAt(layout: Layout, index: number): number {
  return Math.min(layout.partLength, layout.size - index * layout.partLength);
}

export function singlePart(size: number): Layout {
  return { size, partLength: Math.max(size, 1) };
}

/** How a kernel sees a storage of logical `dims`: where its index splits into (lead, offset). */
export interface Split {
  /** Last axis of the lead; -1 when the storage is one part and indices are used whole. */
  readonly axis: number;
  /** Elements per lead unit: the product of the dims after `axis`. */
  readonly unit: number;
  /** Lead units per part. */
  readonly unitsPerPart: number;
}

const WHOLE: Split = { axis: -1, unit: 1, unitsPerPart: 1 };

/**
 * Layouts for a result of logical `dims` holding `size` elements, best first: one part when it
 * fits `limit`, then parts of whole units of each axis from the shallowest (units of at most `limit`
 * elements, fewer than `exact` of them), each with as many units per part as fit, then halved
 * down to one (callers take the first whose kernels bind few enough input parts). `dims` may
 * describe more than `size` elements when the leading axis is padded (see shapes.ts): parts then
 * end at `size`.
 */
export function* layoutCandidates(dims: readonly number[], limit: number, exact: number, size = sizeOf(dims)): Generator<{ layout: Layout; split: Split }> {
  if (size <= limit) yield { layout: singlePart(size), split: WHOLE };
  let unit = sizeOf(dims);
  let leads = 1;
  for (let axis = 0; axis < dims.length; axis++) {
    unit /= dims[axis];
    leads *= dims[axis];
    if (unit > limit || leads >= exact || dims[axis] === 1) continue;
    for (let units = Math.floor(limit / unit); ; units = Math.max(1, Math.floor(units / 2))) {
      if (units * unit < size) yield { layout: { size, partLength: units * unit }, split: { axis, unit, unitsPerPart: units } };
      if (units === 1) break;
    }
  }
}

/**
 * How to read a storage with `layout` as logical `dims` starting `offset` elements in: one part
 * reads whole indices; several parts need a unit (product of trailing dims) that divides the part
 * length and the offset, with fewer than `exact` units in all (the lead index must be exact).
 * Null when the layout does not fit these dims (the caller repartitions).
 */
export function splitFor(layout: Layout, dims: readonly number[], exact: number, offset = 0): Split | null {
  if (partCount(layout) <= 1) return WHOLE;
  let unit = sizeOf(dims);
  let leads = 1;
  for (let axis = 0; axis < dims.length; axis++) {
    unit /= dims[axis];
    leads *= dims[axis];
    // The largest lead index read is offset / unit + leads - 1.
    if (unit <= layout.partLength && layout.partLength % unit === 0 && offset % unit === 0 && offset / unit + leads <= exact) {
      return { axis, unit, unitsPerPart: layout.partLength / unit };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Source generation. Every value in kernel code is a float; integers are exact below 2^24.

/** A float literal for kernel source (`3.0`, `(-2.5)`); never Inf/NaN. */
export function lit(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`gpujs backend: cannot bake ${value} into a kernel`);
  let text = String(value);
  if (!/[.eE]/.test(text)) text += '.0';
  else if (/[eE]/.test(text) && !text.includes('.')) text = text.replace(/[eE]/, '.0e');
  return value < 0 ? `(${text})` : text;
}

/**
 * Statements defining `name = floor(a / b)` for an integer-valued float `a` (a variable name)
 * below 2^24 and a positive integer `b`: the float quotient, then one correction from the
 * remainder, so a division that is not correctly rounded (GLSL, WGSL) or an estimate off by one
 * still gives the exact quotient. (`floor((a + 0.5) / b)` is wrong once a + 0.5 rounds, from 2^23.)
 */
export function floorDiv(name: string, a: string, b: number): string {
  if (b === 1) return `const ${name} = ${a};`;
  const divisor = lit(b);
  return [
    `const ${name}e = Math.floor(${a} / ${divisor});`,
    `const ${name}m = ${a} - ${name}e * ${divisor};`,
    `const ${name} = ${name}e + (${name}m >= ${divisor} ? 1.0 : 0.0) - (${name}m < 0.0 ? 1.0 : 0.0);`,
  ].join('\n');
}

/**
 * Statements that decode the integer-valued float `source` (< 2^24) into one coordinate variable
 * per dim (`${prefix}0`, ...); the source variable is not modified.
 */
export function decode(prefix: string, source: string, dims: readonly number[]): string {
  if (dims.length === 0) return '';
  const strides = stridesOf(dims);
  const lines: string[] = [];
  const rest = `${prefix}_r`;
  lines.push(`let ${rest} = ${source};`);
  for (let axis = 0; axis < dims.length; axis++) {
    const name = `${prefix}${axis}`;
    if (axis === dims.length - 1) {
      lines.push(`const ${name} = ${rest};`);
    } else if (dims[axis] === 1) {
      lines.push(`const ${name} = 0.0;`);
    } else {
      // rest = name * stride + (rest - name * stride), name = floor(rest / stride)
      lines.push(floorDiv(name, rest, strides[axis]));
      lines.push(`${rest} = ${rest} - ${name} * ${lit(strides[axis])};`);
    }
  }
  return lines.join('\n');
}

/**
 * Kernel prologue for an output of logical `dims` planned as `split`: defines `o0..o{r-1}`, the
 * output coordinates of this thread. A multi-part output takes its first lead unit as the scalar
 * argument `lead0`.
 */
export function decodeOutput(dims: readonly number[], split: Split): string {
  const lines = ['const t = this.thread.x;'];
  if (split.axis < 0) {
    lines.push(decode('o', 't', dims));
    return lines.join('\n');
  }
  const leadDims = dims.slice(0, split.axis + 1);
  const restDims = dims.slice(split.axis + 1);
  // t = lq * unit + lrest; the lead unit of this thread is lead0 + lq
  lines.push(floorDiv('lq', 't', split.unit));
  lines.push('const lead = lead0 + lq;');
  lines.push(`const lrest = t - lq * ${lit(split.unit)};`);
  lines.push(decode('ol', 'lead', leadDims));
  lines.push(decode('orr', 'lrest', restDims));
  for (let axis = 0; axis < dims.length; axis++) {
    const name = axis <= split.axis ? `ol${axis}` : `orr${axis - split.axis - 1}`;
    lines.push(`const o${axis} = ${name};`);
  }
  return lines.join('\n');
}

/** Horner form of a flat index: `((c0 * d1 + c1) * d2 + c2)`; axes of extent 1 drop out. */
export function flatIndex(coords: readonly string[], dims: readonly number[]): string {
  let expr = '';
  for (let axis = 0; axis < dims.length; axis++) {
    if (dims[axis] === 1) continue;
    expr = expr === '' ? coords[axis] : `(${expr}) * ${lit(dims[axis])} + ${coords[axis]}`;
  }
  return expr === '' ? '0.0' : expr;
}

/**
 * A kernel input as one kernel call sees it: the parts passed (argument names and their lengths),
 * its layout and logical dims, where in the storage the dims start (`offset` elements in), and,
 * when only a window of its parts is passed, the name of the scalar argument holding the index of
 * the first.
 */
export interface InputView {
  readonly names: readonly string[];
  readonly lengths: readonly number[];
  readonly layout: Layout;
  readonly dims: readonly number[];
  readonly offset: number;
  readonly split: Split;
  readonly base: string | null;
}

/**
 * Code reading `input` at `coords` (float expressions). Returns statements to place before the use
 * and the expression itself. Several parts select by lead unit; a passed part shorter than the
 * part length clamps its index, so an eagerly evaluated branch never reads past its end. (Clamping
 * to length - 0.5, which truncates to the last index: gpu.js's GLSL passes an integral literal to
 * Math.min as an int, which GLSL ES will not mix with a float.)
 */
export function readAt(input: InputView, coords: readonly string[], id: string): { pre: string; expr: string } {
  const { names, lengths, layout, dims, offset, split, base } = input;
  if (split.axis < 0) {
    const flat = flatIndex(coords, dims);
    return { pre: '', expr: `${names[0]}[${offset === 0 ? flat : `${flat} + ${lit(offset)}`}]` };
  }
  const lead = flatIndex(coords.slice(0, split.axis + 1), dims.slice(0, split.axis + 1));
  const rest = flatIndex(coords.slice(split.axis + 1), dims.slice(split.axis + 1));
  const leadOffset = offset / split.unit;
  // storage lead l = q * unitsPerPart + (l - q * unitsPerPart): part q, unit within the part
  const lines = [
    `const ${id}l = ${leadOffset === 0 ? lead : `${lead} + ${lit(leadOffset)}`};`,
    floorDiv(`${id}q`, `${id}l`, split.unitsPerPart),
    `const ${id}i = (${id}l - ${id}q * ${lit(split.unitsPerPart)}) * ${lit(split.unit)} + ${rest};`,
    base ? `const ${id}p = ${id}q - ${base};` : `const ${id}p = ${id}q;`,
  ];
  // Clamped indices are computed as statements: inside [] gpu.js's GLSL turns literals into ints.
  const access = (part: number): string => {
    if (lengths[part] >= layout.partLength) return `${names[part]}[${id}i]`;
    lines.push(`const ${id}c${part} = Math.min(${id}i, ${lit(lengths[part] - 0.5)});`);
    return `${names[part]}[${id}c${part}]`;
  };
  let expr = access(names.length - 1);
  for (let part = names.length - 2; part >= 0; part--) {
    expr = `(${id}p < ${lit(part + 0.5)} ? ${access(part)} : ${expr})`;
  }
  const pre = lines.join('\n');
  return { pre, expr };
}

/** A cache-key fragment describing a layout. */
export function layoutKey(layout: Layout): string {
  return `${layout.size}/${layout.partLength}`;
}
