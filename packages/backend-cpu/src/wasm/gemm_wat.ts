/**
 * The GEMM family: the register-tiled micro-kernel and the `gemm` loop around it (after BLIS),
 * `pack` (every packing and transpose of an operand), `unpad` (a padded result into its tensor,
 * with bias and ReLU), `addInto` (sums of partial results) and `zero`.
 *
 * Layouts: the micro-kernel computes an MR x NR tile of C from MR rows of A (each read along k
 * with a stride, so A is used in place, row-major or transposed) and NR columns of B (four per
 * f32x4, read a row at a time: in place when B is row-major, or from "panels of NR rows" packed by
 * `pack` when B is stored transposed). C is padded to whole tiles. The TypeScript side of these
 * layouts is `kernels/gemm_panels.ts`.
 */
import type { KernelTable, WatOptions } from './kernel_table.js';

/** Rows of the micro-tile. */
export const MR = 4;
/** Columns of the micro-tile (and width of a packed B panel): a power of two, at least 4. */
export const NR = 8;
/** Depth of one k block: the `MR x KC` rows of A and `KC x NR` of B that a tile reads stay in L1. */
const KC = 256;
/** Tile rows per m block: `MC_PANELS * MR x KC` of A stays in L2 while B's columns stream by. */
const MC_PANELS = 64;

const vectorsPerRow = NR / 4;
const rows = Array.from({ length: MR }, (_, r) => r);
const vectors = Array.from({ length: vectorsPerRow }, (_, v) => v);
const acc = (r: number, v: number): string => `$c${r}_${v}`;

/**
 * `C[MR x NR] (+)= sum over kc of A[p][0..MR) (outer) B[p][0..NR)`: the tile lives in
 * MR * NR/4 f32x4 registers; per step, NR/4 loads of B and MR broadcasts of A. Row r of A starts at
 * `$a{r}` and steps `aStep` bytes per p; B rows are `ldb` bytes apart. With `fusedMultiplyAdd`
 * each update is one `f32x4.relaxed_madd` (an FMA where the CPU has one), else a multiply and an add.
 */
function microKernel({ fusedMultiplyAdd }: WatOptions): string {
  const aParams = rows.map((r) => `(param $a${r} i32)`).join(' ');
  const locals = rows.flatMap((r) => vectors.map((v) => `(local ${acc(r, v)} v128)`)).join(' ');
  const bLocals = vectors.map((v) => `(local $b${v} v128)`).join(' ');
  // One k step: acc[r][v] += splat(A[r][p]) * B[p][4v..4v+3], then every A row and B advance one step.
  const step = [
    ...vectors.map((v) => `local.get $b v128.load offset=${16 * v} local.set $b${v}`),
    ...rows.flatMap((r) => [
      `local.get $a${r} v128.load32_splat local.set $av`,
      ...vectors.map((v) => (fusedMultiplyAdd
        ? `local.get $av local.get $b${v} local.get ${acc(r, v)} f32x4.relaxed_madd local.set ${acc(r, v)}`
        : `local.get ${acc(r, v)} local.get $av local.get $b${v} f32x4.mul f32x4.add local.set ${acc(r, v)}`)),
      `local.get $a${r} local.get $aStep i32.add local.set $a${r}`,
    ]),
    'local.get $b local.get $ldb i32.add local.tee $b',
  ];
  // Row r of the tile starts at c + r*ldc bytes; column vector v at +16v.
  const store = (add: boolean): string => rows.map((r) => [
    `local.get $c i32.const ${r} local.get $ldc i32.mul i32.add local.set $row`,
    ...vectors.map((v) => add
      ? `local.get $row local.get $row v128.load offset=${16 * v} local.get ${acc(r, v)} f32x4.add v128.store offset=${16 * v}`
      : `local.get $row local.get ${acc(r, v)} v128.store offset=${16 * v}`),
  ].join('\n')).join('\n');
  return `
  (func $micro ${aParams} (param $aStep i32) (param $b i32) (param $ldb i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $accumulate i32)
    (local $end i32) (local $row i32) (local $av v128) ${bLocals} ${locals}
    local.get $b local.get $kc local.get $ldb i32.mul i32.add local.set $end
    loop $k
      ${step.join('\n      ')}
      local.get $end i32.lt_u br_if $k
    end
    local.get $accumulate
    if
      ${store(true)}
    else
      ${store(false)}
    end
  )`;
}

/**
 * The arguments of the micro-kernel's A rows for panel $ip at depth $pc: row r is A row
 * min(ip*MR + r, m - 1) (the last panel repeats row m-1 instead of reading past A; those rows only
 * reach C's pad), at a + ip*aPanel + (row - ip*MR)*aRow + pc*aStep bytes.
 */
function aRowArguments(): string {
  return rows.map((r) => [
    `local.get $ip i32.const ${MR} i32.mul i32.const ${r} i32.add local.tee $rowIndex local.get $lastRow`,
    'local.get $rowIndex local.get $lastRow i32.lt_u select',
    `local.get $ip i32.const ${MR} i32.mul i32.sub local.get $aRowBytes i32.mul`,
    'local.get $a i32.add local.get $ip local.get $aPanelBytes i32.mul i32.add local.get $pc local.get $aStepBytes i32.mul i32.add',
  ].join(' ')).join('\n            ');
}

/** The GEMM family's exports. */
export const gemmKernels = {
  /**
   * `C[i, j] (+)= sum_p A[i, p] B[p, j]` for i < m, j < n, p < k (all >= 1), strides in floats:
   * A[r, p] at a + (r/MR)*aPanel + (r%MR)*aRow + p*aStep (row-major A: aRow = k, aStep = 1, aPanel =
   * MR*k; transposed: aRow = 1, aStep = m, aPanel = MR); B[p, j] at b + (j/NR)*bPanel + p*ldb + j%NR
   * (packed: ldb = NR, bPanel = k*NR; row-major: ldb = row length, bPanel = NR, and the last panel may
   * read up to NR-1 floats past a row, which only reaches C's pad); C row-major, ldc >= ceil(n/NR)*NR
   * columns, ceil(m/MR)*MR rows. Blocked over k (KC) and A panels (MC_PANELS): tile (ip, jp) of
   * block pc reads B at jp*bPanel + pc*ldb. Accumulates into C when `accumulate` is 1.
   */
  gemm: {
    params: ['a', 'aRow', 'aStep', 'aPanel', 'm', 'b', 'ldb', 'bPanel', 'n', 'k', 'c', 'ldc', 'accumulate'] as const,
    helpers: [microKernel],
    wat: `
    (local $mp i32) (local $np i32) (local $lastRow i32) (local $rowIndex i32)
    (local $pc i32) (local $kc i32) (local $flag i32) (local $ic i32) (local $icEnd i32) (local $ip i32) (local $jp i32)
    (local $aRowBytes i32) (local $aStepBytes i32) (local $aPanelBytes i32) (local $ldcBytes i32) (local $ldbBytes i32) (local $bTile i32)
    local.get $m i32.const ${MR - 1} i32.add i32.const ${MR} i32.div_u local.set $mp
    local.get $n i32.const ${NR - 1} i32.add i32.const ${NR} i32.div_u local.set $np
    local.get $m i32.const 1 i32.sub local.set $lastRow
    local.get $aRow i32.const 4 i32.mul local.set $aRowBytes
    local.get $aStep i32.const 4 i32.mul local.set $aStepBytes
    local.get $aPanel i32.const 4 i32.mul local.set $aPanelBytes
    local.get $ldc i32.const 4 i32.mul local.set $ldcBytes
    local.get $ldb i32.const 4 i32.mul local.set $ldbBytes
    loop $kBlocks
      local.get $k local.get $pc i32.sub local.tee $kc i32.const ${KC} i32.gt_u
      if i32.const ${KC} local.set $kc end
      local.get $accumulate local.get $pc i32.or local.set $flag
      i32.const 0 local.set $ic
      loop $mBlocks
        local.get $ic i32.const ${MC_PANELS} i32.add local.tee $icEnd local.get $mp i32.gt_u
        if local.get $mp local.set $icEnd end
        i32.const 0 local.set $jp
        loop $cols
          local.get $b local.get $jp local.get $bPanel i32.mul i32.const 4 i32.mul i32.add local.get $pc local.get $ldbBytes i32.mul i32.add local.set $bTile
          local.get $ic local.set $ip
          loop $rows
            ${aRowArguments()}
            local.get $aStepBytes
            local.get $bTile
            local.get $ldbBytes
            local.get $kc
            local.get $c local.get $ip local.get $ldcBytes i32.mul i32.const ${MR} i32.mul i32.add local.get $jp i32.const ${4 * NR} i32.mul i32.add
            local.get $ldcBytes
            local.get $flag
            call $micro
            local.get $ip i32.const 1 i32.add local.tee $ip local.get $icEnd i32.lt_u br_if $rows
          end
          local.get $jp i32.const 1 i32.add local.tee $jp local.get $np i32.lt_u br_if $cols
        end
        local.get $icEnd local.tee $ic local.get $mp i32.lt_u br_if $mBlocks
      end
      local.get $pc i32.const ${KC} i32.add local.tee $pc local.get $k i32.lt_u br_if $kBlocks
    end`,
  },

  /** `dst[(r>>shift)*sa + (r&mask)*sb + (c>>shift)*sc + (c&mask)*sd] = src[r*ld + c]` for r < rows, c < cols, mask = 2^shift - 1: the strided scatter of every packing. */
  pack: {
    params: ['src', 'rows', 'cols', 'ld', 'dst', 'shift', 'sa', 'sb', 'sc', 'sd'] as const,
    wat: `
    (local $mask i32) (local $r i32) (local $c i32) (local $rowDst i32) (local $from i32)
    i32.const 1 local.get $shift i32.shl i32.const 1 i32.sub local.set $mask
    loop $rowLoop
      local.get $dst
      local.get $r local.get $shift i32.shr_u local.get $sa i32.mul
      local.get $r local.get $mask i32.and local.get $sb i32.mul i32.add
      i32.const 2 i32.shl i32.add local.set $rowDst
      local.get $src local.get $r local.get $ld i32.mul i32.const 2 i32.shl i32.add local.set $from
      i32.const 0 local.set $c
      loop $colLoop
        local.get $rowDst
        local.get $c local.get $shift i32.shr_u local.get $sc i32.mul
        local.get $c local.get $mask i32.and local.get $sd i32.mul i32.add
        i32.const 2 i32.shl i32.add
        local.get $from f32.load
        f32.store
        local.get $from i32.const 4 i32.add local.set $from
        local.get $c i32.const 1 i32.add local.tee $c local.get $cols i32.lt_u br_if $colLoop
      end
      local.get $r i32.const 1 i32.add local.tee $r local.get $rows i32.lt_u br_if $rowLoop
    end`,
  },

  /**
   * `dst[r*cols + c] = act(src[r*ld + c] + (hasBias ? bias[r] : 0))`, act = max(., 0) when relu, else identity: drops a padded GEMM result's pad.
   *
   * The identity is max(., -inf), so a NaN stays NaN either way.
   */
  unpad: {
    params: ['src', 'ld', 'rows', 'cols', 'dst', 'bias', 'hasBias', 'relu'] as const,
    wat: `
    (local $r i32) (local $c i32) (local $from i32) (local $b f32) (local $bv v128) (local $floor f32) (local $fv v128)
    f32.const -inf local.set $floor
    local.get $relu
    if f32.const 0 local.set $floor end
    local.get $floor f32x4.splat local.set $fv
    loop $rowLoop
      f32.const 0 local.set $b
      local.get $hasBias
      if local.get $bias local.get $r i32.const 2 i32.shl i32.add f32.load local.set $b end
      local.get $b f32x4.splat local.set $bv
      local.get $src local.get $r local.get $ld i32.mul i32.const 2 i32.shl i32.add local.set $from
      i32.const 0 local.set $c
      ;; Four columns at a time, then the rest one by one.
      block $vecDone
        loop $vecLoop
          local.get $c i32.const 4 i32.add local.get $cols i32.gt_u br_if $vecDone
          local.get $dst local.get $c i32.const 2 i32.shl i32.add
          local.get $from local.get $c i32.const 2 i32.shl i32.add v128.load align=4 local.get $bv f32x4.add local.get $fv f32x4.max
          v128.store align=4
          local.get $c i32.const 4 i32.add local.set $c
          br $vecLoop
        end
      end
      block $tailDone
        loop $tailLoop
          local.get $c local.get $cols i32.ge_u br_if $tailDone
          local.get $dst local.get $c i32.const 2 i32.shl i32.add
          local.get $from local.get $c i32.const 2 i32.shl i32.add f32.load local.get $b f32.add local.get $floor f32.max
          f32.store
          local.get $c i32.const 1 i32.add local.set $c
          br $tailLoop
        end
      end
      local.get $dst local.get $cols i32.const 2 i32.shl i32.add local.set $dst
      local.get $r i32.const 1 i32.add local.tee $r local.get $rows i32.lt_u br_if $rowLoop
    end`,
  },

  /** `dst[i] += src[i]` for i < count (count a multiple of 4). */
  addInto: {
    params: ['dst', 'src', 'count'] as const,
    wat: `
    (local $end i32)
    local.get $dst local.get $count i32.const 2 i32.shl i32.add local.set $end
    loop $vecLoop
      local.get $dst local.get $dst v128.load align=4 local.get $src v128.load align=4 f32x4.add v128.store align=4
      local.get $src i32.const 16 i32.add local.set $src
      local.get $dst i32.const 16 i32.add local.tee $dst local.get $end i32.lt_u br_if $vecLoop
    end`,
  },

  /** `byte[dst + i] = 0` for i < bytes. */
  zero: {
    params: ['dst', 'bytes'] as const,
    wat: `
    local.get $dst i32.const 0 local.get $bytes memory.fill`,
  },
} satisfies KernelTable;
