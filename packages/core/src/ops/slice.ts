/** `slice(x, begin, size)` and `narrow(x, axis, start, length)`: a box of a tensor. */
import { composite } from '../engine.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, describeValue } from '../validate.js';
import { placeBox } from './region.js';

/** One entry per axis from a number or list: a number is axis 0's, missing trailing entries are `fill`. */
function perAxis(op: string, name: string, value: unknown, x: Tensor, fill: number): number[] {
  const list = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) || list.some((v) => !Number.isInteger(v))) {
    const given = Array.isArray(list) ? `[${list.map(String).join(', ')}]` : describeValue(value);
    throw new Error(`${op}: ${name} must be an integer or a list of integers, got ${given} (x ${formatShape(x.shape)})`);
  }
  if (list.length > x.rank) throw new Error(`${op}: ${name} [${list.join(', ')}] has more entries than x ${formatShape(x.shape)} has axes`);
  return x.shape.map((_, axis) => (axis < list.length ? (list[axis] as number) : fill));
}

/**
 * The box of `x` that starts at `begin` and spans `size`, as `tf.slice`: `out[i] = x[begin + i]`,
 * i.e. `x[b0 : b0 + s0, b1 : b1 + s1, ...]` in PyTorch. `begin` and `size` give one entry per axis,
 * outermost first; a number or a shorter list covers the leading axes, the rest begin at 0 and run
 * to the end. A size of -1 runs to the end of its axis. Each `begin` lies in `[0, extent]` and each
 * box ends inside x. The gradient pads `dy` back with zeros (the adjoint).
 *
 * @example
 * slice(x, [0, 1], [-1, 2]);        // [N, C] -> [N, 2]: columns 1 and 2
 * slice(images, [0, 0, 2, 2], [-1, -1, 24, 24]); // [N, C, 28, 28] -> [N, C, 24, 24], a centre crop
 */
export function slice(x: Tensor, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  return composite(() => {
    assertTensor('slice', 'x', x);
    x.assertLive('slice');
    const starts = perAxis('slice', 'begin', begin, x, 0);
    const sizes = perAxis('slice', 'size', size ?? [], x, -1);
    const outShape = x.shape.map((extent, axis) => {
      const b = starts[axis];
      const s = sizes[axis] === -1 ? extent - b : sizes[axis];
      if (b < 0 || b > extent || s < 0 || b + s > extent) {
        throw new Error(`slice: begin [${starts.join(', ')}] and size [${sizes.join(', ')}] leave x ${formatShape(x.shape)} on axis ${axis} (begin ${b}, size ${sizes[axis]}, extent ${extent})`);
      }
      return s;
    });
    return placeBox('slice', x, starts.map((b) => -b), outShape, 0);
  });
}

/**
 * `length` elements of `axis` from `start`, as `torch.narrow(x, axis, start, length)`: the other
 * axes whole. `axis` may be negative (from the last); so may `start`, in `[-extent, extent]`
 * (from the end). The result is a copy (PyTorch's shares storage); its gradient pads `dy` back.
 *
 * @example
 * narrow(x, 1, 0, 3);     // [N, C, H, W] -> [N, 3, H, W], the first three channels
 * narrow(x, -1, -2, 2);   // [.., W] -> [.., 2], the last two columns
 */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  return composite(() => {
    assertTensor('narrow', 'x', x);
    x.assertLive('narrow');
    if (x.rank === 0) throw new Error('narrow: x is a scalar []; it has no axis to narrow');
    for (const [name, value] of [['axis', axis], ['start', start], ['length', length]] as const) {
      if (!Number.isInteger(value)) throw new Error(`narrow: ${name} must be an integer, got ${describeValue(value)} (x ${formatShape(x.shape)})`);
    }
    if (axis < -x.rank || axis >= x.rank) throw new Error(`narrow: axis ${axis} is out of range for x ${formatShape(x.shape)} (rank ${x.rank})`);
    const a = axis < 0 ? axis + x.rank : axis;
    const extent = x.shape[a];
    if (start < -extent || start > extent) throw new Error(`narrow: start ${start} is out of range for axis ${a} of x ${formatShape(x.shape)} (extent ${extent}; start lies in [${-extent}, ${extent}])`);
    const first = start < 0 ? start + extent : start;
    if (length < 0 || first + length > extent) {
      throw new Error(`narrow: start ${first} + length ${length} passes the end of axis ${a} of x ${formatShape(x.shape)} (extent ${extent})`);
    }
    const before = x.shape.map((_, i) => (i === a ? -first : 0));
    return placeBox('narrow', x, before, x.shape.map((e, i) => (i === a ? length : e)), 0);
  });
}
