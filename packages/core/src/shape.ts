/** Shape arithmetic shared by every op and backend: sizes, strides, broadcasting, axes. */

/** A tensor shape: non-negative integer extents, outermost first. */
export type Shape = readonly number[];

/** Formats a shape as `[2, 3]` for error messages. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Number of elements of a shape (1 for a scalar `[]`). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const extent of shape) size *= extent;
  return size;
}

/** Throws unless every extent is a non-negative integer. */
export function assertValidShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of integers, got ${String(shape)}`);
  for (const extent of shape) {
    if (!Number.isInteger(extent) || extent < 0) {
      throw new Error(`${op}: shape ${formatShape(shape)} must hold non-negative integers`);
    }
  }
}

/** Row-major strides: `strides[i] = prod(shape[i+1:])`. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  return strides;
}

/** True when both shapes have the same rank and extents. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((extent, i) => extent === b[i]);
}

/** NumPy broadcasting: aligns trailing axes; extents must match or be 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const ea = a[a.length - rank + i] ?? 1;
    const eb = b[b.length - rank + i] ?? 1;
    if (ea !== eb && ea !== 1 && eb !== 1) {
      throw new Error(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together`);
    }
    out[i] = ea === 1 ? eb : ea;
  }
  return out;
}

/**
 * Strides that read an input of `inShape` while walking `outShape`: broadcast axes get stride 0.
 * Both shapes are right-aligned, as in NumPy.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const inStrides = stridesOf(inShape);
  const offset = outShape.length - inShape.length;
  return outShape.map((_, axis) => {
    const inAxis = axis - offset;
    return inAxis < 0 || inShape[inAxis] === 1 ? 0 : inStrides[inAxis];
  });
}

/** Resolves `axis` (number, list or undefined = all) to sorted, unique, non-negative axes; `shape` names the input in errors. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, rank: number, shape?: Shape): number[] {
  const of = shape ? ` ${formatShape(shape)}` : '';
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const resolved = list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new Error(`${op}: axis ${a} is out of range for a tensor of rank ${rank}${of}`);
    }
    return a < 0 ? a + rank : a;
  });
  const unique = [...new Set(resolved)].sort((x, y) => x - y);
  if (unique.length !== resolved.length) throw new Error(`${op}: axis list [${list.join(', ')}] repeats an axis${shape ? ` for a tensor${of}` : ''}`);
  return unique;
}
