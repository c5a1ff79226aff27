/**
 * The Winograd family: the transforms of Winograd's minimal filtering convolution F(m x m, r x r)
 * (see `winograd_matrices.ts`; the products between them run on the GEMM, see
 * `kernels/winograd.ts`). Each algorithm has five kernels, their matrices written into the text as
 * constants, one output a sum of a few vectors:
 * - `winogradFilter<F>`: filters to `U = G g G^T` (alpha x alpha each);
 * - `winogradTiles<F>`: the overlapping alpha x alpha tiles of a zero-padded image to `V = B^T d B`;
 * - `winogradUntile<F>`: products back to m x m output tiles `A^T M A`, plus bias and ReLU;
 * - `winogradGradTiles<F>` and `winogradFilterGrad<F>` (F(2x2, 3x3) only): the filter gradient as
 *   F(r x r, m x m), the m x m tiles of dy to `G_f dy G_f^T`, and products to r x r taps `A_f^T S A_f`.
 *   For F(4x4, 3x3) and F(2x2, 5x5) these (alpha = 6) measured 8 to 17 times im2col's error on NiN's
 *   layers, up to 2.9 times the conformance tolerance: a 5x5 filter gradient runs as four blocks of
 *   3x3 taps instead (`kernels/winograd.ts`).
 *
 * Layouts: transformed values sit in alpha^2 planes `plane` floats apart, plane (xi, nu) at
 * xi*alpha + nu, one row per channel. Tiles run along the four f32x4 lanes: lane l holds tile
 * t + l of a plane's tiles in row-major order (m = 2, 3 input tiles), or tile tx + l of a tile row
 * (m = 4 input tiles and the output tiles; the filters' kernels, filter col + l), so every
 * transform is vertical SIMD; loads gather a lane's tile with a 4x4 transpose or shuffles, and a
 * last group stores only its tiles.
 */
import type { KernelSpec, KernelTable } from './kernel_table.js';
import { shuffleFloats, transpose4x4 } from './simd_wat.js';
import { winogradMatrices, type Matrix } from './winograd_matrices.js';

/** One Winograd algorithm F(m x m, r x r). */
export interface WinogradAlgorithm {
  /** Its kernels' suffix. */
  readonly name: 'F2x3' | 'F3x3' | 'F4x3' | 'F2x5';
  /** Output tile side. */
  readonly m: 2 | 3 | 4;
  /** Filter side. */
  readonly r: number;
  /**
   * The finite interpolation points (with infinity, alpha = m + r - 1 of them). For alpha = 6,
   * {0, 1, -1, 2, -1/2} gave about half the float32 error of {0, +-1, +-2} or {0, +-1, +-1/2}
   * (measured on random 2-D tiles summed over 32 and 256 channels).
   */
  readonly points: readonly number[];
}

/** The algorithms the backend runs: F(2x2, 3x3), F(3x3, 3x3), F(4x4, 3x3) and F(2x2, 5x5). */
export const WINOGRAD = {
  F2x3: { name: 'F2x3', m: 2, r: 3, points: [0, 1, -1] },
  F3x3: { name: 'F3x3', m: 3, r: 3, points: [0, 1, -1, 2] },
  F4x3: { name: 'F4x3', m: 4, r: 3, points: [0, 1, -1, 2, -0.5] },
  F2x5: { name: 'F2x5', m: 2, r: 5, points: [0, 1, -1, 2, -0.5] },
} as const satisfies Record<string, WinogradAlgorithm>;

/** Tile side of the transformed values (and the input tiles): m + r - 1. */
export const alphaOf = (w: WinogradAlgorithm): number => w.m + w.r - 1;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** Four float lanes of a shuffle's two operands (see `shuffleFloats`). */
type Lanes = [number, number, number, number];
const locals = (names: readonly string[], type: string): string => names.map((name) => `(local ${name} ${type})`).join(' ');
const splat = (c: number): string => `v128.const f32x4 ${c} ${c} ${c} ${c}`;

/** Text setting `outs[i] = sum_j L[i][j] ins[j]` (v128 locals): terms of 0 skipped, of +-1 added or subtracted. */
function linear(L: Matrix, ins: readonly string[], outs: readonly string[]): string {
  return L.map((row, i) => {
    const terms = row.flatMap((c, j) => (c === 0 ? [] : [[c, j] as const]));
    if (terms.length === 0) return `v128.const i32x4 0 0 0 0 local.set ${outs[i]}`;
    const code = terms.map(([c, j], t) => {
      const value = Math.abs(c) === 1 ? `local.get ${ins[j]}` : `local.get ${ins[j]} ${splat(Math.abs(c))} f32x4.mul`;
      if (t === 0) return c < 0 ? `${value} f32x4.neg` : value;
      return `${value} ${c < 0 ? 'f32x4.sub' : 'f32x4.add'}`;
    });
    return `${code.join(' ')} local.set ${outs[i]}`;
  }).join('\n');
}

/**
 * Text setting the 2-D transform `out = L x L^T` of the square `x` (names `x[i][j]`, n x n) into
 * `out` (names `out[i][j]`, L's rows squared), through `mid` (L's rows x n): mid = L x, out = mid L^T.
 */
function transform2d(L: Matrix, x: readonly (readonly string[])[], mid: readonly (readonly string[])[], out: readonly (readonly string[])[]): string {
  const n = x.length;
  // mid[:, j] = L x[:, j] for each column j; out[i, :] = L mid[i, :] for each row i.
  const columns = range(n).map((j) => linear(L, x.map((row) => row[j]), mid.map((row) => row[j])));
  const rows = mid.map((row, i) => linear(L, row, out[i]));
  return [...columns, ...rows].join('\n');
}

const grid = (prefix: string, rows: number, cols: number): string[][] => range(rows).map((i) => range(cols).map((j) => `$${prefix}${i}_${j}`));

/**
 * Text setting `d[j]` (v128 locals, j < count <= 6) to element j of the 4-wide tiles of the row at
 * `$row` (lane l = float 4l + j): 4x4 transposes of the tiles' four-float runs (the second one, of
 * runs 1-4, for j = 4, 5).
 */
function gatherRow4(count: number, d: readonly string[]): string {
  if (count > 6) throw new Error(`winograd: a 4-wide tile row gathers at most 6 elements, not ${count}`);
  const runs = range(count > 4 ? 5 : 4).map((l) => `local.get $row v128.load offset=${16 * l} align=4 local.set $run${l}`);
  const first = transpose4x4(['$run0', '$run1', '$run2', '$run3'], ['$g0', '$g1', '$g2', '$g3'], ['$s0', '$s1', '$s2', '$s3']);
  const moves = range(Math.min(count, 4)).map((j) => `local.get $g${j} local.set ${d[j]}`);
  const second = count <= 4 ? [] : [
    `local.get $run1 local.get $run2 ${shuffleFloats([0, 4, 1, 5])} local.set $s0`,
    `local.get $run3 local.get $run4 ${shuffleFloats([0, 4, 1, 5])} local.set $s1`,
    `local.get $s0 local.get $s1 ${shuffleFloats([0, 1, 4, 5])} local.set ${d[4]}`,
    ...(count > 5 ? [`local.get $s0 local.get $s1 ${shuffleFloats([2, 3, 6, 7])} local.set ${d[5]}`] : []),
  ];
  return [...runs, first, ...moves, ...second].join('\n');
}

/** The v128 scratch locals `gatherRow4` and `gatherLanes` use. */
const gatherLocals = locals([...range(5).map((l) => `$run${l}`), ...range(4).map((j) => `$g${j}`), ...range(4).map((j) => `$s${j}`)], 'v128');

/** Text storing lanes [0, count) of the v128 local `value` at byte `address + offset`, count a local of 1..3. */
function storeLanes(address: string, value: string, offset: number, count: string): string {
  return [
    `local.get ${address} local.get ${value} f32x4.extract_lane 0 f32.store offset=${offset}`,
    `local.get ${count} i32.const 1 i32.gt_u if local.get ${address} local.get ${value} f32x4.extract_lane 1 f32.store offset=${offset + 4} end`,
    `local.get ${count} i32.const 2 i32.gt_u if local.get ${address} local.get ${value} f32x4.extract_lane 2 f32.store offset=${offset + 8} end`,
  ].join('\n');
}

/**
 * Text storing each `values[k]` at `$to + k*$planeBytes`: whole vectors when `$valid` >= 4, else
 * lanes [0, valid).
 */
function storePlanes(values: readonly string[]): string {
  const each = (store: (value: string) => string): string => values.map((value) => `${store(value)}\nlocal.get $at local.get $planeBytes i32.add local.set $at`).join('\n');
  return `
    local.get $to local.set $at
    local.get $valid i32.const 4 i32.ge_u
    if
      ${each((value) => `local.get $at local.get ${value} v128.store align=4`)}
    else
      ${each((value) => storeLanes('$at', value, 0, '$valid'))}
    end`;
}

/** Text loading `values[k]` (v128 locals) from `$from + k*$planeBytes`, advancing `$from`. */
function loadPlanes(values: readonly string[]): string {
  return values.map((value) => `local.get $from v128.load align=4 local.set ${value} local.get $from local.get $planeBytes i32.add local.set $from`).join('\n');
}

/** Parameters of `winogradFilter<F>`. */
const filterParams = ['filter', 'rows', 'cols', 'rowStride', 'colStride', 'flip', 'dst', 'plane'] as const;

function filterKernel(w: WinogradAlgorithm): KernelSpec {
  const { r } = w;
  const alpha = alphaOf(w);
  const { G } = winogradMatrices(w.m, r, w.points);
  const g = grid('g', r, r);
  const mid = grid('t', alpha, r);
  const u = grid('u', alpha, alpha);
  // Lane l of g[ky][kx] is tap (ky, kx) of filter (row, col + l), or tap (r-1-ky, r-1-kx) with flip.
  const gather = (flip: boolean): string => g.flat().map((name, e) => {
    const offset = 4 * (flip ? r * r - 1 - e : e);
    return `local.get $b0 f32.load offset=${offset} f32x4.splat ${range(3).map((l) => `local.get $b${l + 1} f32.load offset=${offset} f32x4.replace_lane ${l + 1}`).join(' ')} local.set ${name}`;
  }).join('\n');
  return {
    params: filterParams,
    wat: `
    (local $row i32) (local $col i32) (local $valid i32) (local $to i32) (local $at i32) (local $planeBytes i32)
    (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    ${locals([...g.flat(), ...mid.flat(), ...u.flat()], 'v128')}
    local.get $plane i32.const 4 i32.mul local.set $planeBytes
    loop $rowLoop
      i32.const 0 local.set $col
      loop $colLoop
        local.get $cols local.get $col i32.sub local.set $valid
        ;; Lane l reads filter (row, min(col + l, cols - 1)).
        ${range(4).map((l) => `local.get $col i32.const ${l} i32.add local.tee $b${l} local.get $cols i32.const 1 i32.sub local.get $b${l} local.get $cols i32.lt_u select local.get $colStride i32.mul local.get $row local.get $rowStride i32.mul i32.add i32.const 4 i32.mul local.get $filter i32.add local.set $b${l}`).join('\n        ')}
        local.get $flip
        if
          ${gather(true)}
        else
          ${gather(false)}
        end
        ${transform2d(G, g, mid, u)}
        local.get $dst local.get $row local.get $cols i32.mul local.get $col i32.add i32.const 4 i32.mul i32.add local.set $to
        ${storePlanes(u.flat())}
        local.get $col i32.const 4 i32.add local.tee $col local.get $cols i32.lt_u br_if $colLoop
      end
      local.get $row i32.const 1 i32.add local.tee $row local.get $rows i32.lt_u br_if $rowLoop
    end`,
  };
}

/** Parameters of `winogradTiles<F>` and `winogradGradTiles<F>` (`ldx`, `xPlane`: x's row and plane strides in floats). */
const tileParams = ['x', 'planes', 'h', 'w', 'ldx', 'xPlane', 'pt', 'pl', 'tilesY', 'tilesX', 'hp', 'wp', 'pad', 'dst', 'ld', 'plane'] as const;

/**
 * Text setting `d[y][j]` (v128 locals, y, j < size) to element (y, j) of the tiles whose top-left
 * corners are at the byte addresses `$b0`..`$b3` (lane l: `$b{l}`), rows `$wpBytes` apart: per row,
 * each lane's first four floats transposed as a 4x4 block (two columns of it for tiles of two; a
 * third into scratch for tiles of three), the rest a lane at a time. Leaves the addresses `size` rows down.
 */
function gatherLanes(size: number, d: readonly (readonly string[])[]): string {
  const lanes = range(4);
  return range(size).map((y) => [
    ...lanes.map((l) => `local.get $b${l} v128.load align=4 local.set $run${l}`),
    transpose4x4(lanes.map((l) => `$run${l}`), (size > 2 ? lanes : [0, 1]).map((j) => d[y][j] ?? `$g${j}`), ['$s0', '$s1', '$s2', '$s3']),
    ...range(size).slice(4).map((j) => `local.get $b0 f32.load offset=${4 * j} f32x4.splat ${lanes.slice(1).map((l) => `local.get $b${l} f32.load offset=${4 * j} f32x4.replace_lane ${l}`).join(' ')} local.set ${d[y][j]}`),
    ...lanes.map((l) => `local.get $b${l} local.get $wpBytes i32.add local.set $b${l}`),
  ].join('\n')).join('\n');
}

/**
 * The tile transform `out = L d L^T` of the `size` x `size` tiles at stride m of each zero-padded
 * image plane: `winogradTiles` (L = B^T, size alpha) and `winogradGradTiles` (L = G_f, size m).
 *
 * Four tiles a group: for m = 2 and 3, four consecutive tiles of the plane in row-major order, each
 * lane's tile gathered on its own (`gatherLanes`): NiN's rows of tiles are short (F(3x3, 3x3): 5 on
 * 13x13, 2 on 6x6), and groups along a row took 10 groups for 25 tiles and 2 for 4 where these take
 * 7 and 1 (32->64 13x13 and 64->128 6x6 forward and input gradient 3-15% faster, the filter gradients'
 * F(2x2, 3x3) tiles 2-7%; d2l's 26x26 within noise). For m = 4, four adjacent tiles of a tile row,
 * gathered with transposes of their four-float runs (`gatherRow4`), a row's last group holding the
 * tiles left.
 */
function tileKernel(m: 2 | 3 | 4, L: Matrix): KernelSpec {
  const size = L[0].length;
  const out = L.length;
  const d = grid('d', size, size);
  const mid = grid('e', out, size);
  const v = grid('v', out, out);
  // Lane l of a group (flat: tile t + l, or the plane's last tile past it) starts at pad[ty*m, tx*m]; (ty, tx) then moves one tile on.
  const laneStart = (l: number): string => `
          local.get $pad local.get $ty local.get $rowStep i32.mul i32.add local.get $tx i32.const ${4 * m} i32.mul i32.add local.set $b${l}
          local.get $valid i32.const ${l + 1} i32.gt_u
          if
            local.get $tx i32.const 1 i32.add local.tee $tx local.get $tilesX i32.eq
            if i32.const 0 local.set $tx local.get $ty i32.const 1 i32.add local.set $ty end
          end`;
  /** The gathered group's transform, stored from its first tile (`first`, text leaving the plane's tile index t on the stack): out[(xi*alpha + nu)*plane + p*ld + t + l]. */
  const transformAndStore = (first: string): string => `
        ${transform2d(L, d, mid, v)}
        local.get $dst local.get $p local.get $ld i32.mul ${first} i32.add i32.const 4 i32.mul i32.add local.set $to
        ${storePlanes(v.flat())}`;
  const [groupLocals, groups] = m !== 4 ? ['(local $t i32) (local $tiles i32) (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)', `
      local.get $tilesY local.get $tilesX i32.mul local.set $tiles
      i32.const 0 local.set $t
      i32.const 0 local.set $ty
      i32.const 0 local.set $tx
      loop $flatGroups
        local.get $tiles local.get $t i32.sub local.set $valid
        ${range(4).map(laneStart).join('')}
        ${gatherLanes(size, d)}
        ${transformAndStore('local.get $t')}
        local.get $t i32.const 4 i32.add local.tee $t local.get $tiles i32.lt_u br_if $flatGroups
      end`] : ['(local $tile i32) (local $row i32)', `
      i32.const 0 local.set $ty
      loop $tileRows
        i32.const 0 local.set $tx
        loop $tileGroups
          local.get $tilesX local.get $tx i32.sub local.set $valid
          ;; Tile (ty, tx + l) starts at pad[ty*m, (tx + l)*m].
          local.get $pad local.get $ty local.get $rowStep i32.mul i32.add local.get $tx i32.const ${4 * m} i32.mul i32.add local.set $tile
          ${range(size).map((y) => `local.get $tile local.get $wpBytes i32.const ${y} i32.mul i32.add local.set $row\n${gatherRow4(size, d[y])}`).join('\n')}
          ${transformAndStore('local.get $ty local.get $tilesX i32.mul local.get $tx i32.add')}
          local.get $tx i32.const 4 i32.add local.tee $tx local.get $tilesX i32.lt_u br_if $tileGroups
        end
        local.get $ty i32.const 1 i32.add local.tee $ty local.get $tilesY i32.lt_u br_if $tileRows
      end`];
  return {
    params: tileParams,
    wat: `
    (local $p i32) (local $iy i32) (local $ty i32) (local $tx i32) (local $valid i32)
    (local $to i32) (local $at i32) (local $planeBytes i32) (local $wpBytes i32) (local $rowStep i32) ${groupLocals}
    ${gatherLocals} ${locals([...d.flat(), ...mid.flat(), ...v.flat()], 'v128')}
    local.get $plane i32.const 4 i32.mul local.set $planeBytes
    local.get $wp i32.const 4 i32.mul local.set $wpBytes
    local.get $wpBytes i32.const ${m} i32.mul local.set $rowStep
    loop $planeLoop
      ;; pad[iy + pt, ix + pl] = x[p, iy, ix] (at x + iy*ldx + ix), zero elsewhere (hp x wp floats).
      local.get $pad i32.const 0 local.get $hp local.get $wpBytes i32.mul memory.fill
      i32.const 0 local.set $iy
      loop $copyRows
        local.get $pad local.get $iy local.get $pt i32.add local.get $wpBytes i32.mul i32.add local.get $pl i32.const 4 i32.mul i32.add
        local.get $x local.get $iy local.get $ldx i32.mul i32.const 4 i32.mul i32.add
        local.get $w i32.const 4 i32.mul memory.copy
        local.get $iy i32.const 1 i32.add local.tee $iy local.get $h i32.lt_u br_if $copyRows
      end
      ${groups}
      local.get $x local.get $xPlane i32.const 4 i32.mul i32.add local.set $x
      local.get $p i32.const 1 i32.add local.tee $p local.get $planes i32.lt_u br_if $planeLoop
    end`,
  };
}

/** Parameters of `winogradUntile<F>`. */
const untileParams = ['src', 'planes', 'tilesY', 'tilesX', 'oh', 'ow', 'ld', 'plane', 'y', 'bias', 'relu'] as const;

/**
 * Text storing an output row of four m-wide tiles: the vectors `outs` (output columns 4q..4q+3 of
 * the group) at `$rowAt`, those at or past `$valid` columns left out.
 */
function storeOutputRow(outs: readonly string[]): string {
  const whole = outs.map((out, q) => `local.get $rowAt local.get ${out} v128.store offset=${16 * q} align=4`).join('\n');
  const partial = outs.map((out, q) => `
    local.get $valid i32.const ${4 * q + 4} i32.ge_u
    if
      local.get $rowAt local.get ${out} v128.store offset=${16 * q} align=4
    else
      local.get $valid i32.const ${4 * q} i32.gt_u
      if
        local.get $valid i32.const ${4 * q} i32.sub local.set $count
        ${storeLanes('$rowAt', out, 16 * q, '$count')}
      end
    end`).join('\n');
  return `
    local.get $valid i32.const ${4 * outs.length} i32.ge_u
    if
      ${whole}
    else
      ${partial}
    end`;
}

function untileKernel(w: WinogradAlgorithm): KernelSpec {
  const { m } = w;
  const alpha = alphaOf(w);
  const { AT } = winogradMatrices(m, w.r, w.points);
  const s = grid('s', alpha, alpha);
  const mid = grid('t', m, alpha);
  const y = grid('y', m, m);
  const outs = range(m).map((q) => `$o${q}`);
  // Output row i of the group: output column l*m + j is lane l of y[i][j] (m = 3: each output
  // vector from three of them, through a pair first).
  const pair = (a: string, b: string, lanes: Lanes, to: string): string => `local.get ${a} local.get ${b} ${shuffleFloats(lanes)} local.set ${to}`;
  const interleave = (i: number): string => {
    const [a, b, c] = y[i];
    if (m === 2) return [pair(a, b, [0, 4, 1, 5], '$o0'), pair(a, b, [2, 6, 3, 7], '$o1')].join('\n');
    if (m === 4) return transpose4x4(y[i], outs, ['$q0', '$q1', '$q2', '$q3']);
    // [a0 b0 c0 a1], [b1 c1 a2 b2], [c2 a3 b3 c3].
    return [
      pair(a, b, [0, 4, 1, 5], '$q0'), pair('$q0', c, [0, 1, 4, 2], '$o0'),
      pair(b, c, [1, 5, 2, 6], '$q1'), pair('$q1', a, [0, 1, 6, 2], '$o1'),
      pair(a, b, [3, 7, 3, 7], '$q2'), pair('$q2', c, [6, 0, 1, 7], '$o2'),
    ].join('\n');
  };
  return {
    params: untileParams,
    wat: `
    (local $p i32) (local $ty i32) (local $tx i32) (local $valid i32) (local $count i32) (local $from i32) (local $rowAt i32)
    (local $planeBytes i32) (local $epi i32) (local $bv v128) (local $floor v128) (local $zero v128) (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    ${locals([...s.flat(), ...mid.flat(), ...y.flat(), ...outs], 'v128')}
    local.get $plane i32.const 4 i32.mul local.set $planeBytes
    local.get $bias local.get $relu i32.or i32.const 0 i32.ne local.set $epi
    f32.const 0 f32.const -inf local.get $relu select f32x4.splat local.set $floor
    f32.const 0 f32.const -0 local.get $relu select f32x4.splat local.set $zero
    loop $planeLoop
      v128.const i32x4 0 0 0 0 local.set $bv
      local.get $bias if local.get $bias local.get $p i32.const 4 i32.mul i32.add f32.load f32x4.splat local.set $bv end
      i32.const 0 local.set $ty
      loop $tileRows
        i32.const 0 local.set $tx
        loop $tileGroups
          ;; s[xi][nu] lane l = src[(xi*alpha + nu)*plane + p*ld + ty*tilesX + tx + l] (lanes past the row's tiles unused).
          local.get $src local.get $p local.get $ld i32.mul local.get $ty local.get $tilesX i32.mul i32.add local.get $tx i32.add i32.const 4 i32.mul i32.add local.set $from
          ${loadPlanes(s.flat())}
          ${transform2d(AT, s, mid, y)}
          local.get $epi
          if
            ${y.flat().map((name) => `local.get ${name} local.get $bv f32x4.add local.get $floor f32x4.pmax local.get $zero f32x4.add local.set ${name}`).join('\n            ')}
          end
          ;; Output columns tx*m on; rows ty*m + i below oh. y[p, ty*m + i, (tx + l)*m + j] = lane l of y[i][j].
          local.get $ow local.get $tx i32.const ${m} i32.mul i32.sub local.set $valid
          ${range(m).map((i) => `
          local.get $ty i32.const ${m} i32.mul i32.const ${i} i32.add local.get $oh i32.lt_u
          if
            local.get $y local.get $p local.get $oh i32.mul local.get $ty i32.const ${m} i32.mul i32.const ${i} i32.add i32.add local.get $ow i32.mul
            local.get $tx i32.const ${m} i32.mul i32.add i32.const 4 i32.mul i32.add local.set $rowAt
            ${interleave(i)}
            ${storeOutputRow(outs)}
          end`).join('\n')}
          local.get $tx i32.const 4 i32.add local.tee $tx local.get $tilesX i32.lt_u br_if $tileGroups
        end
        local.get $ty i32.const 1 i32.add local.tee $ty local.get $tilesY i32.lt_u br_if $tileRows
      end
      local.get $p i32.const 1 i32.add local.tee $p local.get $planes i32.lt_u br_if $planeLoop
    end`,
  };
}

/** Parameters of `winogradFilterGrad<F>`. */
const filterGradParams = ['src', 'rows', 'cols', 'plane', 'dw'] as const;

function filterGradKernel(w: WinogradAlgorithm): KernelSpec {
  const { r } = w;
  const alpha = alphaOf(w);
  // F(r, m): r outputs (the filter taps) from the m x m dy tiles.
  const { AT } = winogradMatrices(r, w.m, w.points);
  const s = grid('s', alpha, alpha);
  const mid = grid('t', r, alpha);
  const taps = grid('k', r, r);
  const lane = (l: number): string => `
        local.get $valid i32.const ${l} i32.gt_u
        if
          ${taps.flat().map((name, e) => `local.get $to local.get ${name} f32x4.extract_lane ${l} f32.store offset=${4 * (l * r * r + e)}`).join('\n          ')}
        end`;
  return {
    params: filterGradParams,
    wat: `
    (local $row i32) (local $col i32) (local $valid i32) (local $from i32) (local $to i32) (local $planeBytes i32)
    ${locals([...s.flat(), ...mid.flat(), ...taps.flat()], 'v128')}
    local.get $plane i32.const 4 i32.mul local.set $planeBytes
    loop $rowLoop
      i32.const 0 local.set $col
      loop $colLoop
        local.get $cols local.get $col i32.sub local.set $valid
        ;; s[xi][nu] lane l = src[(xi*alpha + nu)*plane + row*cols + col + l] (lanes past cols unused).
        local.get $src local.get $row local.get $cols i32.mul local.get $col i32.add i32.const 4 i32.mul i32.add local.set $from
        ${loadPlanes(s.flat())}
        ${transform2d(AT, s, mid, taps)}
        ;; dw[(row*cols + col + l)*r*r + ky*r + kx] = lane l of k[ky][kx].
        local.get $dw local.get $row local.get $cols i32.mul local.get $col i32.add i32.const ${4 * r * r} i32.mul i32.add local.set $to
        ${range(4).map(lane).join('\n')}
        local.get $col i32.const 4 i32.add local.tee $col local.get $cols i32.lt_u br_if $colLoop
      end
      local.get $row i32.const 1 i32.add local.tee $row local.get $rows i32.lt_u br_if $rowLoop
    end`,
  };
}

/** The three convolution kernels of one algorithm, named with its suffix. */
type ConvolutionKernelsOf<N extends string> =
  & { readonly [K in `winogradFilter${N}`]: { readonly params: typeof filterParams; readonly wat: string } }
  & { readonly [K in `winogradTiles${N}`]: { readonly params: typeof tileParams; readonly wat: string } }
  & { readonly [K in `winogradUntile${N}`]: { readonly params: typeof untileParams; readonly wat: string } };

function convolutionKernels<N extends WinogradAlgorithm['name']>(w: WinogradAlgorithm & { readonly name: N }): ConvolutionKernelsOf<N> {
  return {
    [`winogradFilter${w.name}`]: filterKernel(w),
    [`winogradTiles${w.name}`]: tileKernel(w.m, winogradMatrices(w.m, w.r, w.points).BT),
    [`winogradUntile${w.name}`]: untileKernel(w),
  } as ConvolutionKernelsOf<N>;
}

/** The two filter-gradient kernels of one algorithm (its tiles of x come from `winogradTiles`). */
type FilterGradientKernelsOf<N extends string> =
  & { readonly [K in `winogradGradTiles${N}`]: { readonly params: typeof tileParams; readonly wat: string } }
  & { readonly [K in `winogradFilterGrad${N}`]: { readonly params: typeof filterGradParams; readonly wat: string } };

function filterGradientKernels<N extends WinogradAlgorithm['name']>(w: WinogradAlgorithm & { readonly name: N }): FilterGradientKernelsOf<N> {
  // The filter gradient is F(r x r, m x m) on the same points: its G (alpha x m) transforms dy's tiles.
  return {
    [`winogradGradTiles${w.name}`]: tileKernel(w.m, winogradMatrices(w.r, w.m, w.points).G),
    [`winogradFilterGrad${w.name}`]: filterGradKernel(w),
  } as FilterGradientKernelsOf<N>;
}

/**
 * The Winograd family's exports, per algorithm F (all indices in floats, addresses in bytes):
 * - `winogradFilter<F>`: `dst[(xi*alpha + nu)*plane + row*cols + col] = (G g G^T)[xi][nu]` for row < rows,
 *   col < cols, `g[ky][kx] = filter[row*rowStride + col*colStride + ky*r + kx]` (with flip,
 *   `(r-1-ky)*r + r-1-kx`: the transposed convolution's rotated filter).
 * - `winogradTiles<F>`: `dst[(xi*alpha + nu)*plane + p*ld + ty*tilesX + tx] = (B^T d B)[xi][nu]` for
 *   p < planes, ty < tilesY, tx < tilesX, `d[i][j] = x[p, ty*m + i - pt, tx*m + j - pl]` (0 outside
 *   the h x w plane; x[p, iy, ix] at x + p*xPlane + iy*ldx + ix, so a plane may be a window of a larger one), through the zero-padded plane at `pad` (hp x wp floats; hp >= (tilesY-1)*m + alpha,
 *   wp >= ceil(tilesX/4)*4*m + alpha + 8, for the groups' wide loads).
 * - `winogradGradTiles<F>` (F2x3): the same with `G_f` of F(r, m) on m x m tiles: `(G_f d G_f^T)[xi][nu]`,
 *   `d[i][j] = x[p, ty*m + i - pt, tx*m + j - pl]` for i, j < m.
 * - `winogradUntile<F>`: `y[p, ty*m + i, tx*m + j] = act((A^T S A)[i][j] + bias[p])` for the positions
 *   inside oh x ow, `S[xi][nu] = src[(xi*alpha + nu)*plane + p*ld + ty*tilesX + tx]`; bias (byte
 *   address, 0: none) and act (ReLU when relu, else none) only when either is asked for.
 * - `winogradFilterGrad<F>` (F2x3): `dw[(row*cols + col)*r*r + ky*r + kx] = (A_f^T S A_f)[ky][kx]` with `A_f^T`
 *   of F(r, m), `S[xi][nu] = src[(xi*alpha + nu)*plane + row*cols + col]`.
 */
export const winogradKernels = {
  ...convolutionKernels(WINOGRAD.F2x3),
  ...filterGradientKernels(WINOGRAD.F2x3),
  ...convolutionKernels(WINOGRAD.F3x3),
  ...convolutionKernels(WINOGRAD.F4x3),
  ...convolutionKernels(WINOGRAD.F2x5),
} satisfies KernelTable;
