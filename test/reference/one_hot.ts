/** Float64 reference: one-hot rows of class indices (a row of zeros for an index outside [0, classes) or not an integer). */
import { nd, type NdArray } from './ndarray.js';

export function oneHot(indices: NdArray, classes: number): NdArray {
  const out = nd([...indices.shape, classes]);
  indices.data.forEach((index, i) => {
    if (Number.isInteger(index) && index >= 0 && index < classes) out.data[i * classes + index] = 1;
  });
  return out;
}
