/**
 * The GEMM family (after BLIS): `gemm`, the blocked loop around a register-tiled micro-kernel that
 * packs B a block at a time and writes C in place (edge tiles through a small tile buffer), with a
 * per-row bias and ReLU fused into the last store; `gemmPlanes` (a run of products of one shape);
 * `addInto` (sums of partial results).
 *
 * Blocking: for each block of NC columns of B and each KC rows of depth, `$packB` copies the
 * `KC x NC` block of B into panels of NR columns (contiguous, so the micro-kernel streams them
 * from L1), unless B's rows are contiguous (and not a multiple of IN_PLACE_ALIGN floats apart): its
 * whole panels are then read in place, a step a row apart (single thread, 2-5% faster on NiN's
 * products in cache, where the copy cost more than the strided reads), and only a partial last
 * panel is packed; then for each MC rows of A (kept in L2 while the block's panels go by) every MR x NR
 * tile of C gets one micro-kernel call, reading A's packed MR-row panel (`$microPacked`) when the
 * block has enough column panels to reuse it over, else MR rows of A in place (`$micro`).
 * The TypeScript side of these layouts is `kernels/gemm_panels.ts`.
 */
import type { KernelTable, WatOptions } from './kernel_table.js';
import { transpose4x4 } from './simd_wat.js';

/** Rows of the micro-tile. */
export const MR = 4;
/** Columns of the micro-tile (and width of a packed B panel): a multiple of 4. */
export const NR = 8;
/** Depth of one k block: the `MR x KC` rows of A and `KC x NR` of B that a tile reads stay in L1. */
const KC = 256;
/** Tile rows per m block: `MC_PANELS * MR x KC` of A stays in L2 while B's panels go by. */
const MC_PANELS = 64;
/** Columns of B packed at a time (a multiple of NR): the packed `KC x NC` block stays in L2/L3. */
const NC = 1024;
/**
 * A's block is packed when B's block has at least this many NR-column panels to reuse it over;
 * below, A is read in place (128 x 36 x 128, 5 panels: 43 GFLOP/s in place, 33 packed).
 */
const PACK_A_PANELS = 8;

/**
 * B's rows a multiple of this many floats (512 bytes) apart are packed even when contiguous: a
 * panel's rows then share a few L1 cache sets (1024^3 in place: 33 GFLOP/s, packed 60).
 */
const IN_PLACE_ALIGN = 128;

/** Floats of scratch one `gemm` call of an `[m, n]` product of depth k needs: B's and A's packed blocks and one edge tile. */
export function gemmScratchFloats(m: number, n: number, k: number): number {
  return Math.min(k, KC) * (Math.min(Math.ceil(n / NR) * NR, NC) + Math.min(Math.ceil(m / MR), MC_PANELS) * MR) + MR * NR;
}

const vectorsPerRow = NR / 4;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const rows = range(MR);
const vectors = range(vectorsPerRow);
const acc = (r: number, v: number): string => `$c${r}_${v}`;
/** Sets `$row` to the byte address of row r of the C tile. */
const rowAddress = (r: number): string => `local.get $c i32.const ${r} local.get $ldc i32.mul i32.add local.set $row`;

/** The locals both micro-kernels declare: C's row address, A's broadcast, the epilogue's floor and bias, B's row and the tile's accumulators. */
function tileLocals(): string {
  return `(local $row i32) (local $av v128) (local $floor v128) (local $zero v128) (local $bv v128) ${vectors.map((v) => `(local $b${v} v128)`).join(' ')} ${rows.flatMap((r) => vectors.map((v) => `(local ${acc(r, v)} v128)`)).join(' ')}`;
}

/** `acc[r][v] += splat(A[r]) * B[v]` (A's value in `$av`): one f32x4.relaxed_madd, or a multiply and an add. */
const update = (fusedMultiplyAdd: boolean, r: number, v: number): string => (fusedMultiplyAdd
  ? `local.get $av local.get $b${v} local.get ${acc(r, v)} f32x4.relaxed_madd local.set ${acc(r, v)}`
  : `local.get ${acc(r, v)} local.get $av local.get $b${v} f32x4.mul f32x4.add local.set ${acc(r, v)}`);

/**
 * The tile's rows into C: each vector plus C's (add), then plus bias[r], `f32x4.pmax` with the floor
 * and plus the zero (epi: ReLU as (v < 0 ? 0 : v) + 0, the identity as pmax with -inf plus -0), in
 * four whole variants (no accumulator flows out of a branch, which would cost TurboFan spills in
 * the loop). Row r of the tile starts at c + r*ldc bytes; column vector v at +16v.
 */
function tileStore(): string {
  const store = (add: boolean, epi: boolean): string => rows.map((r) => [
    rowAddress(r),
    ...(epi ? ['v128.const i32x4 0 0 0 0 local.set $bv', `local.get $bias if local.get $bias f32.load offset=${4 * r} f32x4.splat local.set $bv end`] : []),
    ...vectors.map((v) => [
      'local.get $row',
      `local.get ${acc(r, v)}`,
      ...(add ? [`local.get $row v128.load offset=${16 * v} align=4 f32x4.add`] : []),
      ...(epi ? ['local.get $bv f32x4.add local.get $floor f32x4.pmax local.get $zero f32x4.add'] : []),
      `v128.store offset=${16 * v} align=4`,
    ].join(' ')),
  ].join('\n        ')).join('\n        ');
  return `
    local.get $epi
    if
      f32.const 0 f32.const -inf local.get $relu select f32x4.splat local.set $floor
      f32.const 0 f32.const -0 local.get $relu select f32x4.splat local.set $zero
      local.get $add
      if
        ${store(true, true)}
      else
        ${store(false, true)}
      end
    else
      local.get $add
      if
        ${store(true, false)}
      else
        ${store(false, false)}
      end
    end`;
}

/**
 * A micro-kernel function `$name`: A's parameters (`aParams`), then B's panel (NR floats a step,
 * steps `$ldb` bytes apart: packed, or B's rows in place), the depth, C and its row stride, and the
 * epilogue's flags; its loop runs `step` (which leaves B's next address on the stack) until B's
 * panel ends, then stores the tile.
 */
function microFunction(name: string, aParams: string, step: readonly string[]): string {
  return `
  (func $${name} ${aParams} (param $b i32) (param $ldb i32) (param $kc i32) (param $c i32) (param $ldc i32)
    (param $add i32) (param $epi i32) (param $bias i32) (param $relu i32)
    (local $end i32) ${tileLocals()}
    local.get $b local.get $kc local.get $ldb i32.mul i32.add local.set $end
    loop $k
      ${step.join('\n      ')}
      local.get $end i32.lt_u br_if $k
    end
    ${tileStore()}
  )`;
}

/**
 * `C[MR x NR] = act((add ? C : 0) + sum over kc of A[p][0..MR) (outer) B[p][0..NR) + bias)` with A's
 * rows in place (`microKernelPacked` reads a packed panel): the tile lives in MR * NR/4 f32x4
 * registers; per step, NR/4 loads of B's panel (NR floats a step) and MR broadcasts of A,
 * row r from `$a{r}` stepping `aStep` bytes. With `epi`, bias[r] (from `$bias`, 0: none) is added
 * and act is ReLU when `relu` (NaN kept, -0 to +0), else the identity (see `tileStore`). With
 * `fusedMultiplyAdd` each update is one `f32x4.relaxed_madd` (an FMA where the CPU has one), else a
 * multiply and an add.
 */
function microKernel({ fusedMultiplyAdd }: WatOptions): string {
  // One k step: acc[r][v] += splat(A[r][p]) * B[p][4v..4v+3], then every A row and the B panel advance one step.
  const step = [
    ...vectors.map((v) => `local.get $b v128.load offset=${16 * v} local.set $b${v}`),
    ...rows.flatMap((r) => [
      `local.get $a${r} v128.load32_splat local.set $av`,
      ...vectors.map((v) => update(fusedMultiplyAdd, r, v)),
      `local.get $a${r} local.get $aStep i32.add local.set $a${r}`,
    ]),
    'local.get $b local.get $ldb i32.add local.tee $b',
  ];
  return microFunction('micro', `${rows.map((r) => `(param $a${r} i32)`).join(' ')} (param $aStep i32)`, step);
}

/**
 * `microKernel` over a packed A panel (MR floats a step from `$a`): the MR broadcasts read at fixed
 * offsets from one pointer, which a step advances once (one scalar add where A in place makes MR).
 * Single thread, k = 25 to 32 (NiN's 1x1 and first layers): 3-6% faster than A's rows through MR
 * pointers; a step pair per loop turn measured twice as slow (TurboFan spilled the tile).
 */
function microKernelPacked({ fusedMultiplyAdd }: WatOptions): string {
  // One k step: acc[r][v] += splat(A[p][r]) * B[p][4v..4v+3] (A's step at a, B's at b), then both advance one step.
  const step = [
    ...vectors.map((v) => `local.get $b v128.load offset=${16 * v} local.set $b${v}`),
    ...rows.flatMap((r) => [`local.get $a v128.load32_splat offset=${4 * r} local.set $av`, ...vectors.map((v) => update(fusedMultiplyAdd, r, v))]),
    `local.get $a i32.const ${4 * MR} i32.add local.set $a`,
    'local.get $b local.get $ldb i32.add local.tee $b',
  ];
  return microFunction('microPacked', '(param $a i32)', step);
}

/**
 * Text of a loop that packs four steps at a time of `lines` lines (a multiple of 4), `stride` bytes
 * apart and each contiguous along the steps from `$src`, into rows of `lines` floats from `dst`:
 * `dst[p*lines + l] = line l at step p` while p + 4 <= `$kc` (p from `$p`), four lines at a time
 * transposed as a 4x4 block; `$src`, `dst` and `$p` advance past what it packed. Its v128 locals
 * are `blockLocals(lines)`.
 */
function stepBlocks(lines: number, stride: string, dst: string): string {
  const groups = range(lines / 4);
  const inputs = range(lines).map((l) => `$line${l}`);
  const outputs = (g: number): string[] => rows.map((q) => `$step${q}_${g}`);
  return `
    block $blocksDone
      loop $blocks
        local.get $p i32.const 4 i32.add local.get $kc i32.gt_u br_if $blocksDone
        ${inputs.map((name, l) => `local.get $src i32.const ${l} local.get ${stride} i32.mul i32.add v128.load align=4 local.set ${name}`).join('\n        ')}
        ${groups.map((g) => transpose4x4(inputs.slice(4 * g, 4 * g + 4), outputs(g), ['$t0', '$t1', '$t2', '$t3'])).join('\n')}
        ${rows.flatMap((q) => groups.map((g) => `local.get ${dst} local.get $step${q}_${g} v128.store offset=${16 * (q * groups.length + g)}`)).join('\n        ')}
        local.get ${dst} i32.const ${16 * lines} i32.add local.set ${dst}
        local.get $src i32.const 16 i32.add local.set $src
        local.get $p i32.const 4 i32.add local.set $p
        br $blocks
      end
    end`;
}

/** The v128 locals `stepBlocks(lines, ...)` uses. */
const blockLocals = (lines: number): string =>
  [...range(lines).map((l) => `$line${l}`), ...range(lines / 4).flatMap((g) => rows.map((q) => `$step${q}_${g}`)), '$t0', '$t1', '$t2', '$t3'].map((name) => `(local ${name} v128)`).join(' ');

/**
 * `dst[q*kc*NR + p*NR + jj] = B[p, q*NR + min(jj, w_q - 1)]` for p < kc, jj < NR, panels q of
 * w_q = min(NR, nc - q*NR) columns, B[p, j] at b + p*bRow + j*bCol bytes: the block in NR-column
 * panels, a partial panel's last column repeated (its copies reach only the edge tile's unused columns).
 */
const packB = `
  (func $packB (param $b i32) (param $bRow i32) (param $bCol i32) (param $kc i32) (param $nc i32) (param $dst i32)
    (local $q i32) (local $w i32) (local $p i32) (local $jj i32) (local $src i32)
    ${blockLocals(NR)}
    loop $panels
      local.get $nc local.get $q i32.const ${NR} i32.mul i32.sub local.tee $w i32.const ${NR} i32.gt_u
      if i32.const ${NR} local.set $w end
      local.get $b local.get $q i32.const ${NR} i32.mul local.get $bCol i32.mul i32.add local.set $src
      i32.const 0 local.set $p
      local.get $w i32.const ${NR} i32.eq local.get $bCol i32.const 4 i32.eq i32.and
      if
        ;; A whole panel of contiguous columns: NR/4 vectors a row.
        loop $fastRows
          ${vectors.map((v) => `local.get $dst local.get $src v128.load offset=${16 * v} align=4 v128.store offset=${16 * v}`).join('\n          ')}
          local.get $dst i32.const ${4 * NR} i32.add local.set $dst
          local.get $src local.get $bRow i32.add local.set $src
          local.get $p i32.const 1 i32.add local.tee $p local.get $kc i32.lt_u br_if $fastRows
        end
      else
        local.get $w i32.const ${NR} i32.eq local.get $bRow i32.const 4 i32.eq i32.and
        if
          ;; A whole panel of B stored transposed (its columns contiguous): four steps of the NR
          ;; columns at a time, transposed as NR/4 blocks of 4x4.
          ${stepBlocks(NR, '$bCol', '$dst')}
        end
        ;; The rest (partial panels, other strides) a float at a time.
        block $gatherDone
          loop $gatherRows
            local.get $p local.get $kc i32.ge_u br_if $gatherDone
            i32.const 0 local.set $jj
            loop $gatherCols
              local.get $dst local.get $jj i32.const 2 i32.shl i32.add
              local.get $src local.get $jj local.get $w i32.const 1 i32.sub local.get $jj local.get $w i32.lt_u select local.get $bCol i32.mul i32.add f32.load
              f32.store
              local.get $jj i32.const 1 i32.add local.tee $jj i32.const ${NR} i32.lt_u br_if $gatherCols
            end
            local.get $dst i32.const ${4 * NR} i32.add local.set $dst
            local.get $src local.get $bRow i32.add local.set $src
            local.get $p i32.const 1 i32.add local.set $p
            br $gatherRows
          end
        end
      end
      local.get $q i32.const 1 i32.add local.tee $q i32.const ${NR} i32.mul local.get $nc i32.lt_u br_if $panels
    end
  )`;

/**
 * `dst[q*kc*MR + p*MR + r] = A[min(first + q*MR + r, m - 1), p]` for q < panels, p < kc, r < MR, A[i, p]
 * at a + i*aRow + p*aStep bytes: the m block's rows in MR-row panels, the last row repeated past m
 * (its copies reach only the edge tile's unused rows).
 */
const packA = `
  (func $packA (param $a i32) (param $aRow i32) (param $aStep i32) (param $first i32) (param $m i32) (param $panels i32) (param $kc i32) (param $dst i32)
    (local $q i32) (local $r i32) (local $p i32) (local $step i32) (local $row i32) (local $src i32) (local $to i32) (local $whole i32) (local $panelBytes i32)
    ${blockLocals(MR)}
    local.get $kc i32.const ${4 * MR} i32.mul local.set $panelBytes
    ;; Whole panels: those whose MR rows are all below m.
    local.get $m local.get $first i32.sub i32.const ${MR} i32.div_u local.tee $whole local.get $panels local.get $whole local.get $panels i32.lt_u select local.set $whole
    local.get $aRow i32.const 4 i32.eq local.get $whole i32.const 0 i32.ne i32.and
    if
      ;; Rows contiguous (A stored transposed): a step's MR floats are one vector; read A a stored row (step) at a time.
      loop $stepLoop
        local.get $a local.get $first i32.const 2 i32.shl i32.add local.get $p local.get $aStep i32.mul i32.add local.set $src
        local.get $dst local.get $p i32.const ${4 * MR} i32.mul i32.add local.set $to
        i32.const 0 local.set $q
        loop $wholePanels
          local.get $to local.get $src v128.load align=4 v128.store
          local.get $src i32.const ${4 * MR} i32.add local.set $src
          local.get $to local.get $panelBytes i32.add local.set $to
          local.get $q i32.const 1 i32.add local.tee $q local.get $whole i32.lt_u br_if $wholePanels
        end
        local.get $p i32.const 1 i32.add local.tee $p local.get $kc i32.lt_u br_if $stepLoop
      end
    end
    i32.const 0 local.set $q
    loop $panelLoop
      local.get $dst local.get $q local.get $panelBytes i32.mul i32.add local.set $to
      local.get $first local.get $q i32.const ${MR} i32.mul i32.add local.set $row
      i32.const 0 local.set $p
      local.get $q local.get $whole i32.lt_u
      if
        local.get $aRow i32.const 4 i32.eq if local.get $kc local.set $p end
        local.get $aStep i32.const 4 i32.eq
        if
          ;; Steps contiguous (A row-major): four steps of the MR rows, transposed as a 4x4 block.
          local.get $a local.get $row local.get $aRow i32.mul i32.add local.set $src
          ${stepBlocks(MR, '$aRow', '$to')}
        end
      end
      ;; The rest of the panel (all of it when neither stride is one float, or its rows pass m) a float at a time.
      local.get $p local.get $kc i32.lt_u
      if
        i32.const 0 local.set $r
        loop $rowLoop
          local.get $row local.get $r i32.add local.tee $src local.get $m i32.const 1 i32.sub
          local.get $src local.get $m i32.lt_u select local.get $aRow i32.mul
          local.get $a i32.add local.get $p local.get $aStep i32.mul i32.add local.set $src
          local.get $to local.get $r i32.const 2 i32.shl i32.add local.set $row
          local.get $p local.set $step
          loop $steps
            local.get $row local.get $src f32.load f32.store
            local.get $row i32.const ${4 * MR} i32.add local.set $row
            local.get $src local.get $aStep i32.add local.set $src
            local.get $step i32.const 1 i32.add local.tee $step local.get $kc i32.lt_u br_if $steps
          end
          local.get $first local.get $q i32.const ${MR} i32.mul i32.add local.set $row
          local.get $r i32.const 1 i32.add local.tee $r i32.const ${MR} i32.lt_u br_if $rowLoop
        end
      end
      local.get $q i32.const 1 i32.add local.tee $q local.get $panels i32.lt_u br_if $panelLoop
    end
  )`;

/**
 * `C[r, j] = act((add ? C[r, j] : 0) + tile[r*NR + j] (+ bias[r] when epi))` for r < h, j < w, C
 * rows `ldc` bytes apart, act as in the micro-kernel (applied only with epi): an edge tile's valid
 * part, from the tile buffer into C.
 */
const edgeStore = `
  (func $edgeStore (param $tile i32) (param $c i32) (param $ldc i32) (param $h i32) (param $w i32)
    (param $add i32) (param $epi i32) (param $bias i32) (param $relu i32)
    (local $r i32) (local $j i32) (local $v f32) (local $b f32) (local $floor f32) (local $to i32)
    f32.const 0 f32.const -inf local.get $relu select local.set $floor
    loop $rowLoop
      f32.const 0 local.set $b
      local.get $bias if local.get $bias local.get $r i32.const 2 i32.shl i32.add f32.load local.set $b end
      i32.const 0 local.set $j
      loop $colLoop
        local.get $c local.get $r local.get $ldc i32.mul i32.add local.get $j i32.const 2 i32.shl i32.add local.set $to
        local.get $tile local.get $r i32.const ${4 * NR} i32.mul i32.add local.get $j i32.const 2 i32.shl i32.add f32.load local.set $v
        local.get $add if local.get $v local.get $to f32.load f32.add local.set $v end
        local.get $epi if local.get $v local.get $b f32.add local.get $floor f32.max local.set $v end
        local.get $to local.get $v f32.store
        local.get $j i32.const 1 i32.add local.tee $j local.get $w i32.lt_u br_if $colLoop
      end
      local.get $r i32.const 1 i32.add local.tee $r local.get $h i32.lt_u br_if $rowLoop
    end
  )`;

/**
 * Sets the micro-kernel's A for tile row $ip at depth $pc: `$aTile`, the packed panel at
 * aPacked + (ip - ic)*kc*MR*4, when `$packed`, else `$row{r}`, A's rows in place (row
 * min(ip*MR + r, m - 1) at a + row*aRow + pc*aStep: the last panel repeats row m-1 instead of
 * reading past A, those rows reaching only the edge tile).
 */
function aRowPointers(): string {
  return `
              local.get $packed
              if
                local.get $aPacked local.get $ip local.get $ic i32.sub local.get $kc i32.mul i32.const ${4 * MR} i32.mul i32.add local.set $aTile
              else
                ${rows.map((r) => `local.get $ip i32.const ${MR} i32.mul i32.const ${r} i32.add local.tee $row${r} local.get $m i32.const 1 i32.sub local.get $row${r} local.get $m i32.lt_u select local.get $aRowBytes i32.mul local.get $a i32.add local.get $pc local.get $aStepBytes i32.mul i32.add local.set $row${r}`).join('\n                ')}
              end`;
}

/** The micro-kernel call for the tile's A (see `aRowPointers`) and B panel (`$bTile`, steps `$bStep` bytes apart), then `rest`: C, its row stride and the epilogue's four flags. */
function microCall(rest: string): string {
  return `
                local.get $packed
                if
                  local.get $aTile local.get $bTile local.get $bStep local.get $kc ${rest}
                  call $microPacked
                else
                  ${rows.map((r) => `local.get $row${r}`).join(' ')} local.get $aStepBytes local.get $bTile local.get $bStep local.get $kc ${rest}
                  call $micro
                end`;
}

/** The GEMM family's exports. */
export const gemmKernels = {
  /**
   * `C[i, j] = act((accumulate ? C[i, j] : 0) + sum_p A[i, p] B[p, j] + bias[i])` for i < m, j < n,
   * p < k (all >= 1), A[i, p] at a + i*aRow + p*aStep, B[p, j] at b + p*bRow + j*bCol, C[i, j] at
   * c + i*ldc + j (strides in floats); bias: byte address of m floats, or 0 for none; act: ReLU when
   * `relu`, else the identity (bias and act only when either is asked for). `scratch`: byte address
   * of `gemmScratchFloats(n, k)` floats. Blocked over NC columns (jc), KC of depth (pc) and
   * MC_PANELS tile rows (ic); tile (ip, jp) of block (jc, pc) reads B's panel jp (in place when
   * bCol = 1, bRow is not a multiple of IN_PLACE_ALIGN and the panel is whole, else packed) and writes
   * C in place when whole, else through the edge tile (in scratch, after the packed block).
   */
  gemm: {
    params: ['a', 'aRow', 'aStep', 'm', 'b', 'bRow', 'bCol', 'n', 'k', 'c', 'ldc', 'accumulate', 'bias', 'relu', 'scratch'] as const,
    helpers: [microKernel, microKernelPacked, packB, packA, edgeStore],
    wat: `
    (local $mp i32) (local $aPacked i32) (local $aTile i32) (local $jc i32) (local $nc i32) (local $np i32)
    (local $pc i32) (local $kc i32) (local $add i32) (local $epi i32) (local $ic i32) (local $icEnd i32) (local $ip i32) (local $jp i32)
    (local $aRowBytes i32) (local $aStepBytes i32) (local $ldcBytes i32) (local $bTile i32) (local $cTile i32) (local $tileBias i32)
    (local $h i32) (local $w i32) (local $edge i32) (local $packed i32) (local $inPlace i32) (local $bStep i32) (local $last i32)
    ${rows.map((r) => `(local $row${r} i32)`).join(' ')}
    ;; B's whole panels are read in place when its rows are contiguous (bCol = 1), unless they are a
    ;; multiple of ${IN_PLACE_ALIGN} floats apart.
    local.get $bCol i32.const 1 i32.eq local.get $bRow i32.const ${IN_PLACE_ALIGN - 1} i32.and i32.const 0 i32.ne i32.and local.set $inPlace
    local.get $m i32.const ${MR - 1} i32.add i32.const ${MR} i32.div_u local.set $mp
    local.get $aRow i32.const 4 i32.mul local.set $aRowBytes
    local.get $aStep i32.const 4 i32.mul local.set $aStepBytes
    local.get $ldc i32.const 4 i32.mul local.set $ldcBytes
    ;; Scratch: B's largest packed block, A's (after it), the edge tile (after that).
    local.get $scratch local.get $n i32.const ${NR - 1} i32.add i32.const ${NR} i32.div_u i32.const ${NR} i32.mul local.tee $edge i32.const ${NC}
    local.get $edge i32.const ${NC} i32.lt_u select local.get $k i32.const ${KC} local.get $k i32.const ${KC} i32.lt_u select local.tee $kc i32.mul i32.const 4 i32.mul i32.add local.tee $aPacked
    local.get $mp i32.const ${MC_PANELS} local.get $mp i32.const ${MC_PANELS} i32.lt_u select i32.const ${4 * MR} i32.mul local.get $kc i32.mul i32.add local.set $edge
    loop $nBlocks
      local.get $n local.get $jc i32.sub local.tee $nc i32.const ${NC} i32.gt_u
      if i32.const ${NC} local.set $nc end
      local.get $nc i32.const ${NR - 1} i32.add i32.const ${NR} i32.div_u local.tee $np i32.const ${PACK_A_PANELS} i32.ge_u local.set $packed
      i32.const 0 local.set $pc
      loop $kBlocks
        local.get $k local.get $pc i32.sub local.tee $kc i32.const ${KC} i32.gt_u
        if i32.const ${KC} local.set $kc end
        local.get $inPlace
        if
          ;; Only a partial last panel (columns last*NR + [0, nc - last*NR)) is packed, into the first panel's place.
          local.get $nc i32.const ${NR} i32.rem_u
          if
            local.get $b local.get $pc local.get $bRow i32.mul local.get $jc i32.add local.get $np i32.const 1 i32.sub local.tee $last i32.const ${NR} i32.mul i32.add i32.const 4 i32.mul i32.add
            local.get $bRow i32.const 4 i32.mul i32.const 4 local.get $kc local.get $nc local.get $last i32.const ${NR} i32.mul i32.sub local.get $scratch
            call $packB
          end
        else
          local.get $b local.get $pc local.get $bRow i32.mul local.get $jc local.get $bCol i32.mul i32.add i32.const 4 i32.mul i32.add
          local.get $bRow i32.const 4 i32.mul local.get $bCol i32.const 4 i32.mul local.get $kc local.get $nc local.get $scratch
          call $packB
        end
        local.get $accumulate local.get $pc i32.or local.set $add
        local.get $pc local.get $kc i32.add local.get $k i32.eq local.get $bias local.get $relu i32.or i32.const 0 i32.ne i32.and local.set $epi
        i32.const 0 local.set $ic
        loop $mBlocks
          local.get $ic i32.const ${MC_PANELS} i32.add local.tee $icEnd local.get $mp i32.gt_u
          if local.get $mp local.set $icEnd end
          local.get $packed
          if
            local.get $a local.get $pc local.get $aStepBytes i32.mul i32.add local.get $aRowBytes local.get $aStepBytes
            local.get $ic i32.const ${MR} i32.mul local.get $m local.get $icEnd local.get $ic i32.sub local.get $kc local.get $aPacked
            call $packA
          end
          i32.const 0 local.set $jp
          loop $cols
            local.get $nc local.get $jp i32.const ${NR} i32.mul i32.sub local.tee $w i32.const ${NR} i32.gt_u
            if i32.const ${NR} local.set $w end
            ;; Panel jp: B's rows in place at (pc, jc + jp*NR), or packed (the partial panel in place of the first).
            i32.const ${4 * NR} local.set $bStep
            local.get $inPlace
            if
              local.get $scratch local.set $bTile
              local.get $w i32.const ${NR} i32.eq
              if
                local.get $b local.get $pc local.get $bRow i32.mul local.get $jc i32.add local.get $jp i32.const ${NR} i32.mul i32.add i32.const 4 i32.mul i32.add local.set $bTile
                local.get $bRow i32.const 4 i32.mul local.set $bStep
              end
            else
              local.get $scratch local.get $jp local.get $kc i32.mul i32.const ${4 * NR} i32.mul i32.add local.set $bTile
            end
            local.get $ic local.set $ip
            loop $rows
              local.get $m local.get $ip i32.const ${MR} i32.mul i32.sub local.tee $h i32.const ${MR} i32.gt_u
              if i32.const ${MR} local.set $h end
              local.get $c local.get $ip i32.const ${MR} i32.mul local.get $ldcBytes i32.mul i32.add
              local.get $jc local.get $jp i32.const ${NR} i32.mul i32.add i32.const 4 i32.mul i32.add local.set $cTile
              local.get $bias local.get $ip i32.const ${4 * MR} i32.mul i32.add i32.const 0 local.get $bias select local.set $tileBias
              ${aRowPointers()}
              local.get $h i32.const ${MR} i32.eq local.get $w i32.const ${NR} i32.eq i32.and
              if
                ${microCall('local.get $cTile local.get $ldcBytes local.get $add local.get $epi local.get $tileBias local.get $relu')}
              else
                ${microCall(`local.get $edge i32.const ${4 * NR} i32.const 0 i32.const 0 i32.const 0 i32.const 0`)}
                local.get $edge local.get $cTile local.get $ldcBytes local.get $h local.get $w
                local.get $add local.get $epi local.get $tileBias local.get $relu
                call $edgeStore
              end
              local.get $ip i32.const 1 i32.add local.tee $ip local.get $icEnd i32.lt_u br_if $rows
            end
            local.get $jp i32.const 1 i32.add local.tee $jp local.get $np i32.lt_u br_if $cols
          end
          local.get $icEnd local.tee $ic local.get $mp i32.lt_u br_if $mBlocks
        end
        local.get $pc local.get $kc i32.add local.tee $pc local.get $k i32.lt_u br_if $kBlocks
      end
      local.get $jc local.get $nc i32.add local.tee $jc local.get $n i32.lt_u br_if $nBlocks
    end`,
  },

  /**
   * `gemm` over `planes` independent products of one shape: plane q's A, B and C start `aPlane`,
   * `bPlane` and `cPlane` floats past plane 0's (the bias and scratch are shared). One call for
   * Winograd's alpha^2 products of a chunk, where a call each cost the dispatch more than the product.
   */
  gemmPlanes: {
    params: ['a', 'aRow', 'aStep', 'm', 'b', 'bRow', 'bCol', 'n', 'k', 'c', 'ldc', 'accumulate', 'bias', 'relu', 'scratch', 'planes', 'aPlane', 'bPlane', 'cPlane'] as const,
    wat: `
    (local $q i32)
    loop $planeLoop
      ;; Plane q: A at a + q*aPlane, B at b + q*bPlane, C at c + q*cPlane floats.
      local.get $a local.get $q local.get $aPlane i32.mul i32.const 4 i32.mul i32.add local.get $aRow local.get $aStep local.get $m
      local.get $b local.get $q local.get $bPlane i32.mul i32.const 4 i32.mul i32.add local.get $bRow local.get $bCol local.get $n local.get $k
      local.get $c local.get $q local.get $cPlane i32.mul i32.const 4 i32.mul i32.add local.get $ldc local.get $accumulate local.get $bias local.get $relu local.get $scratch
      call $gemm
      local.get $q i32.const 1 i32.add local.tee $q local.get $planes i32.lt_u br_if $planeLoop
    end`,
  },

  /** `dst[i] += src[i]` for i < count, four at a time (up to 3 floats past count, into the blocks' slack). */
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
} satisfies KernelTable;
