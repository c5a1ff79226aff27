/**
 * The matrices of Winograd's minimal filtering algorithms, built from their interpolation points
 * (Toom-Cook, after Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural Networks").
 *
 * F(m, r) computes m outputs of an r-tap correlation `y[i] = sum_k g[k] d[i + k]` from
 * alpha = m + r - 1 inputs with alpha multiplications: `y = A^T [(G g) . (B^T d)]`. In 2-D, for an
 * alpha x alpha input tile d and an r x r filter g, the m x m output tile is
 * `A^T [(G g G^T) . (B^T d B)] A`. With finite points p_0..p_{alpha-2} and the point at infinity:
 * - `A^T[i][j] = p_j^i` (m x alpha), and 1 at i = m - 1 in the infinity column;
 * - `G[j][k] = p_j^k / prod_{l != j} (p_j - p_l)` (alpha x r), and 1 at k = r - 1 in the infinity row;
 * - `B^T[j][n]` = the coefficient of x^n in `prod_{l != j} (x - p_l)` (alpha x alpha), and in the
 *   infinity row the coefficients of `prod_l (x - p_l)`.
 * (Polynomial multiplication evaluates at the points, multiplies and interpolates; the correlation is
 * its transpose, so interpolation's Lagrange coefficients become B^T, their denominators moved into G.)
 */

/** A row-major matrix of float64 values. */
export type Matrix = readonly (readonly number[])[];

/** The three matrices of F(m, r). */
export interface WinogradMatrices {
  /** Output transform, `[m, alpha]`. */
  readonly AT: Matrix;
  /** Filter transform, `[alpha, r]`. */
  readonly G: Matrix;
  /** Input transform, `[alpha, alpha]`. */
  readonly BT: Matrix;
}

/** Coefficients (lowest degree first) of `prod (x - root)` over `roots`. */
function polynomialWithRoots(roots: readonly number[]): number[] {
  let coefficients = [1];
  for (const root of roots) {
    const next = new Array<number>(coefficients.length + 1).fill(0);
    coefficients.forEach((c, n) => {
      next[n + 1] += c;
      next[n] -= root * c;
    });
    coefficients = next;
  }
  return coefficients;
}

/**
 * The matrices of F(m, r) with the finite interpolation `points` (alpha - 1 distinct numbers, the
 * last point being infinity).
 * @throws when the number of points is not m + r - 2, or two points coincide.
 */
export function winogradMatrices(m: number, r: number, points: readonly number[]): WinogradMatrices {
  const alpha = m + r - 1;
  if (points.length !== alpha - 1) throw new Error(`F(${m}, ${r}) needs ${alpha - 1} finite points, got ${points.length}`);
  if (new Set(points).size !== points.length) throw new Error(`F(${m}, ${r}): interpolation points must differ, got ${points.join(', ')}`);
  const others = (j: number): number[] => points.filter((_, l) => l !== j);
  const AT = Array.from({ length: m }, (_, i) => [...points.map((p) => p ** i), i === m - 1 ? 1 : 0]);
  const G = [
    ...points.map((p, j) => {
      const denominator = others(j).reduce((product, q) => product * (p - q), 1);
      return Array.from({ length: r }, (_, k) => p ** k / denominator);
    }),
    Array.from({ length: r }, (_, k) => (k === r - 1 ? 1 : 0)),
  ];
  const BT = [
    ...points.map((_, j) => [...polynomialWithRoots(others(j)), 0]),
    polynomialWithRoots(points),
  ];
  return { AT, G, BT };
}
