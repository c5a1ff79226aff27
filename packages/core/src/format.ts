/**
 * Printing tensors as PyTorch prints them (`torch/_tensor_str.py`, default print options):
 * `tensor([[ 1.0000, -2.5000], ...], shape=[2, 2], backend=cpu)`. One width for every element,
 * fixed-point with 4 decimals (integers as `1.`, scientific `1.0000e+08` for a wide range), `nan`
 * and `inf` spelled as Python spells them, lines wrapped at 80 columns, and tensors of more than
 * 1000 elements summarised to the first and last 3 items of each axis around `...`.
 */
import { formatShape, stridesOf, type Shape } from './shape.js';
import type { Tensor } from './tensor.js';
import { formatExponent, formatFixed } from './python_format.js';

/** PyTorch's default print options. */
export const PRINT_OPTIONS = {
  /** Digits after the decimal point. */
  precision: 4,
  /** Above this many elements, a tensor is summarised. */
  threshold: 1000,
  /** Items kept at each end of a summarised axis. */
  edgeItems: 3,
  /** Columns per line. */
  lineWidth: 80,
} as const;

/** Formats every element to one width, chosen from the values printed (torch's `_Formatter`). */
interface ElementFormatter {
  readonly width: number;
  format(value: number): string;
}

function elementFormatter(values: readonly number[]): ElementFormatter {
  const { precision } = PRINT_OPTIONS;
  const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
  let width = 1;
  let mode: 'int' | 'fixed' | 'sci' = 'int';
  if (finite.length > 0) {
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      min = Math.min(min, Math.abs(v));
      max = Math.max(max, Math.abs(v));
    }
    const intMode = finite.every((v) => v === Math.ceil(v));
    const wide = max / min > 1000 || max > 1e8;
    mode = intMode ? (wide ? 'sci' : 'int') : (wide || min < 1e-4 ? 'sci' : 'fixed');
    for (const v of finite) {
      const length = mode === 'sci' ? formatExponent(v, precision).length
        : mode === 'int' ? formatFixed(v, 0).length + 1 // the '.' appended to integers
        : formatFixed(v, precision).length;
      width = Math.max(width, length);
    }
  }
  const format = (v: number): string => {
    let s: string;
    if (mode === 'sci') s = formatExponent(v, precision);
    else if (mode === 'int') s = Number.isFinite(v) ? `${formatFixed(v, 0)}.` : formatFixed(v, 0);
    else s = formatFixed(v, precision);
    return s.padStart(width);
  };
  return { width, format };
}

/** The indices printed along an axis of `extent`: all, or the edge items around a gap (-1). */
function shownIndices(extent: number, summarize: boolean): number[] {
  const { edgeItems } = PRINT_OPTIONS;
  const all = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
  return summarize && extent > 2 * edgeItems ? [...all(0, edgeItems), -1, ...all(extent - edgeItems, extent)] : all(0, extent);
}

/** The nested-list text of `values` (row-major, `shape`), torch's `_tensor_str_with_formatter`. */
function nestedText(values: ArrayLike<number>, shape: Shape, indent: number, summarize: boolean): string {
  const strides = stridesOf(shape);
  // The values the formatter sizes its width by: those printed (torch's get_summarized_data).
  const shown: number[] = [];
  const collect = (offset: number, axis: number): void => {
    if (axis === shape.length) {
      shown.push(values[offset]);
      return;
    }
    for (const i of shownIndices(shape[axis], summarize)) if (i >= 0) collect(offset + i * strides[axis], axis + 1);
  };
  collect(0, 0);
  const f = elementFormatter(shown);
  const text = (offset: number, axis: number, column: number): string => {
    const dims = shape.length - axis;
    if (dims === 0) return f.format(values[offset]);
    const indices = shownIndices(shape[axis], summarize);
    if (dims === 1) {
      // Element i of this row is values[offset + i * strides[axis]]; rows wrap at the line width.
      const items = indices.map((i) => (i < 0 ? ' ...' : f.format(values[offset + i * strides[axis]])));
      const perLine = Math.max(1, Math.floor((PRINT_OPTIONS.lineWidth - column) / (f.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(column + 1)}`)}]`;
    }
    const slices = indices.map((i) => (i < 0 ? '...' : text(offset + i * strides[axis], axis + 1, column + 1)));
    return `[${slices.join(`,${'\n'.repeat(dims - 1)}${' '.repeat(column + 1)}`)}]`;
  };
  return text(0, 0, indent);
}

/** Appends `, suffix` items, moving one to a new line when it would pass the line width (torch's `_add_suffixes`). */
function addSuffixes(text: string, suffixes: readonly string[], indent: number): string {
  const parts = [text];
  let lastLine = text.length - text.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLine + suffix.length + 2 > PRINT_OPTIONS.lineWidth) {
      parts.push(`,\n${' '.repeat(indent)}${suffix}`);
      lastLine = indent + suffix.length;
    } else {
      parts.push(`, ${suffix}`);
      lastLine += suffix.length + 2;
    }
  }
  return `${parts.join('')})`;
}

/**
 * `t` as PyTorch prints a tensor, with its shape, backend and autograd state:
 * `tensor([1., 2.], shape=[2], backend=cpu, requiresGrad=true)`. A disposed tensor, or one on an
 * asynchronous backend (which cannot be read synchronously), prints a placeholder instead of values.
 */
export function formatTensor(t: Tensor): string {
  const prefix = 'tensor(';
  const suffixes = [`shape=${formatShape(t.shape)}`, `backend=${t.backend.name}`];
  if (t.node) suffixes.push(`gradFn=<${t.node.op}>`);
  else if (t.requiresGrad && !t.isDisposed) suffixes.push('requiresGrad=true');
  let body: string;
  if (t.isDisposed) body = '<disposed>';
  else if (t.backend.isAsync) body = '<not read (asynchronous backend): print await t.array()>';
  else if (t.size === 0) body = '[]';
  else body = nestedText(t.backend.readSync(t.dataId), t.shape, prefix.length, t.size > PRINT_OPTIONS.threshold);
  return addSuffixes(prefix + body, suffixes, prefix.length);
}
