/** WebAssembly text helpers for SIMD kernels, shared by the families. */

/**
 * `i8x16.shuffle` picking float lanes: lane i of the result is lane `lanes[i]` of the two operands
 * on the stack (0-3 the first's, 4-7 the second's).
 */
export function shuffleFloats(lanes: readonly [number, number, number, number]): string {
  return `i8x16.shuffle ${lanes.flatMap((lane) => [0, 1, 2, 3].map((byte) => 4 * lane + byte)).join(' ')}`;
}

/**
 * Text that transposes the 4x4 block held in the v128 locals `rows` (row r = lane r of each result):
 * `cols[j][r] = rows[r][j]` for the first `cols.length` (up to four) columns, through the scratch
 * locals `tmp` (four v128 locals): 8 shuffles for four columns, 4 for two.
 */
export function transpose4x4(rows: readonly string[], cols: readonly string[], tmp: readonly string[]): string {
  const pick = (a: string, b: string, lanes: readonly [number, number, number, number], to: string): string =>
    `local.get ${a} local.get ${b} ${shuffleFloats(lanes)} local.set ${to}`;
  const high = cols.length > 2;
  return [
    // tmp0 = r0[0] r1[0] r0[1] r1[1], tmp1 = r2[0] r3[0] r2[1] r3[1], tmp2/tmp3 the same for lanes 2, 3.
    pick(rows[0], rows[1], [0, 4, 1, 5], tmp[0]), pick(rows[2], rows[3], [0, 4, 1, 5], tmp[1]),
    ...(high ? [pick(rows[0], rows[1], [2, 6, 3, 7], tmp[2]), pick(rows[2], rows[3], [2, 6, 3, 7], tmp[3])] : []),
    pick(tmp[0], tmp[1], [0, 1, 4, 5], cols[0]), pick(tmp[0], tmp[1], [2, 3, 6, 7], cols[1]),
    ...(high ? [pick(tmp[2], tmp[3], [0, 1, 4, 5], cols[2]), pick(tmp[2], tmp[3], [2, 3, 6, 7], cols[3])] : []),
  ].join('\n');
}
