/** Central finite differences in float64. */

/**
 * Gradient of `L(x) = <f(x), dy>` by central differences: `(L(x + h e_i) - L(x - h e_i)) / 2h`.
 * `f` is evaluated in float64, so with `h = 1e-6` the truncation error is O(h^2 f''') and the
 * rounding error O(1e-16 |L| / h): both far below float32 resolution.
 */
export function centralDifference(f: (x: Float64Array) => ArrayLike<number>, x: ArrayLike<number>, dy: ArrayLike<number>, h = 1e-6): Float64Array {
  const point = Float64Array.from(x as ArrayLike<number>);
  const grad = new Float64Array(point.length);
  const loss = (): number => {
    const y = f(point);
    if (y.length !== dy.length) throw new Error(`centralDifference: f returned ${y.length} values, dy has ${dy.length}`);
    let acc = 0;
    for (let i = 0; i < y.length; i++) acc += y[i] * dy[i];
    return acc;
  };
  for (let i = 0; i < point.length; i++) {
    const saved = point[i];
    point[i] = saved + h;
    const up = loss();
    point[i] = saved - h;
    const down = loss();
    point[i] = saved;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}
