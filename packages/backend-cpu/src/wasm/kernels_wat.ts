/**
 * The WebAssembly SIMD kernels, as WebAssembly text (assembled by `assembler.ts` when the backend
 * loads). Every pointer is a byte address in the shared memory; every other argument is a count
 * or a stride in float32 elements. The GEMM micro-kernel and the elementwise kernels are generated
 * from their tile shape and op tables below; everything else is written out.
 *
 * GEMM layouts (after BLIS): the micro-kernel computes an MR x NR tile of C from MR rows of A
 * (each read along k with a stride, so A is used in place, row-major or transposed) and NR columns
 * of B (four per f32x4, read a row at a time: in place when B is row-major, or from "panels of NR
 * rows" packed by `pack` when B is stored transposed). C is padded to whole tiles.
 */

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
function microKernel(fusedMultiplyAdd: boolean): string {
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

/**
 * Elementwise ops with an exact f32x4 form (same result as the scalar op rounded to float32):
 * the instructions that map the vector v on the stack to op(v), with $zero and $one splats at hand.
 */
export const simdUnaryOps = {
  neg: 'f32x4.neg',
  sqrt: 'f32x4.sqrt',
  // max(v, 0): NaN stays NaN, -0 becomes +0, as the scalar relu.
  relu: 'local.get $zero f32x4.max',
  step: 'local.get $zero f32x4.gt local.get $one v128.and',
} as const;

/** Binary ops with an exact f32x4 form: the instructions that map (a, b) on the stack to op(a, b). */
export const simdBinaryOps = {
  add: 'f32x4.add',
  sub: 'f32x4.sub',
  mul: 'f32x4.mul',
  div: 'f32x4.div',
  greater: 'f32x4.gt local.get $one v128.and',
  // ReLU's gradient from its output b: +0 where b <= 0, else a (PyTorch's threshold_backward: a NaN b passes a).
  reluBackprop: 'local.get $zero f32x4.le v128.andnot',
} as const;

/**
 * `unary_<op>(x, out, n)`: out[i] = op(x[i]) four at a time; the last vector may run up to 3 floats
 * into both blocks' slack.
 */
function unaryKernel(name: string, op: string): string {
  return `
  (func $unary_${name} (export "unary_${name}") (param $x i32) (param $out i32) (param $n i32)
    (local $end i32) (local $zero v128) (local $one v128)
    f32.const 1 f32x4.splat local.set $one
    local.get $x local.get $n i32.const 2 i32.shl i32.add local.set $end
    loop $vec
      local.get $out local.get $x v128.load align=4 ${op} v128.store align=4
      local.get $out i32.const 16 i32.add local.set $out
      local.get $x i32.const 16 i32.add local.tee $x local.get $end i32.lt_u br_if $vec
    end
  )`;
}

/**
 * `binary_<op>(a, aScalar, b, bScalar, out, n)`: out[i] = op(a[i or 0], b[i or 0]) four at a time,
 * a scalar operand splat once; one loop per (a, b) kind, each advancing only the full operands.
 */
function binaryKernel(name: string, op: string): string {
  const loop = (aFull: boolean, bFull: boolean): string => `
      loop $vec
        local.get $out
        ${aFull ? 'local.get $a v128.load align=4' : 'local.get $va'}
        ${bFull ? 'local.get $b v128.load align=4' : 'local.get $vb'}
        ${op}
        v128.store align=4
        ${aFull ? 'local.get $a i32.const 16 i32.add local.set $a' : ''}
        ${bFull ? 'local.get $b i32.const 16 i32.add local.set $b' : ''}
        local.get $out i32.const 16 i32.add local.tee $out local.get $end i32.lt_u br_if $vec
      end`;
  return `
  (func $binary_${name} (export "binary_${name}") (param $a i32) (param $aScalar i32) (param $b i32) (param $bScalar i32) (param $out i32) (param $n i32)
    (local $end i32) (local $va v128) (local $vb v128) (local $zero v128) (local $one v128)
    f32.const 1 f32x4.splat local.set $one
    local.get $a v128.load32_splat local.set $va
    local.get $b v128.load32_splat local.set $vb
    local.get $out local.get $n i32.const 2 i32.shl i32.add local.set $end
    local.get $aScalar
    if ${loop(false, true)}
    else
      local.get $bScalar
      if ${loop(true, false)}
      else ${loop(true, true)}
      end
    end
  )`;
}

/** The module text, its GEMM micro-kernel with or without fused multiply-add (relaxed SIMD), importing a shared memory of at most `maxPages` pages. */
export const kernelsWat = (fusedMultiplyAdd: boolean, maxPages: number): string => `
(module
  (import "env" "memory" (memory 1 ${maxPages} shared))
  ${microKernel(fusedMultiplyAdd)}

  ;; C (+)= A B over m x n x k (all >= 1), strides in floats. A element (r, p) is at
  ;; a + ((r / MR) * aPanel + (r % MR) * aRow + p * aStep) * 4 (row-major A: aRow = k, aStep = 1,
  ;; aPanel = MR*k; transposed: aRow = 1, aStep = m, aPanel = MR). B element (p, j) is at
  ;; b + ((j / NR) * bPanel + p * ldb + j % NR) * 4: packed (ldb = NR, bPanel = k*NR) or row-major
  ;; (ldb = row length, bPanel = NR; the last panel may read up to NR-1 floats past a row, which
  ;; only reaches C's pad). C is row-major, ldc >= ceil(n/NR)*NR columns, ceil(m/MR)*MR rows.
  ;; Blocked over k (KC) and A panels (MC_PANELS): tile (ip, jp) of block pc reads B at jp*bPanel + pc*ldb.
  (func $gemm (export "gemm") (param $a i32) (param $aRow i32) (param $aStep i32) (param $aPanel i32) (param $m i32)
      (param $b i32) (param $ldb i32) (param $bPanel i32) (param $n i32) (param $k i32) (param $c i32) (param $ldc i32) (param $accumulate i32)
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
    end
  )

  ;; Strided scatter used by every packing: for r < rows, c < cols,
  ;; dst[(r>>s)*sa + (r&m)*sb + (c>>s)*sc + (c&m)*sd] = src[r*ld + c], m = 2^s - 1.
  (func $pack (export "pack") (param $src i32) (param $rows i32) (param $cols i32) (param $ld i32) (param $dst i32)
      (param $s i32) (param $sa i32) (param $sb i32) (param $sc i32) (param $sd i32)
    (local $m i32) (local $r i32) (local $c i32) (local $rowDst i32) (local $from i32)
    i32.const 1 local.get $s i32.shl i32.const 1 i32.sub local.set $m
    loop $rowLoop
      local.get $dst
      local.get $r local.get $s i32.shr_u local.get $sa i32.mul
      local.get $r local.get $m i32.and local.get $sb i32.mul i32.add
      i32.const 2 i32.shl i32.add local.set $rowDst
      local.get $src local.get $r local.get $ld i32.mul i32.const 2 i32.shl i32.add local.set $from
      i32.const 0 local.set $c
      loop $colLoop
        local.get $rowDst
        local.get $c local.get $s i32.shr_u local.get $sc i32.mul
        local.get $c local.get $m i32.and local.get $sd i32.mul i32.add
        i32.const 2 i32.shl i32.add
        local.get $from f32.load
        f32.store
        local.get $from i32.const 4 i32.add local.set $from
        local.get $c i32.const 1 i32.add local.tee $c local.get $cols i32.lt_u br_if $colLoop
      end
      local.get $r i32.const 1 i32.add local.tee $r local.get $rows i32.lt_u br_if $rowLoop
    end
  )

  ;; Along one axis, the first output index o with o*stride - pad + k >= 0 (clipped to [0, out]).
  (func $firstInside (param $k i32) (param $pad i32) (param $stride i32) (param $out i32) (result i32)
    (local $t i32)
    local.get $pad local.get $k i32.sub local.tee $t i32.const 0 i32.le_s
    if i32.const 0 return end
    ;; ceil(t / stride), at most out.
    local.get $t local.get $stride i32.add i32.const 1 i32.sub local.get $stride i32.div_u local.tee $t
    local.get $out local.get $t local.get $out i32.lt_u select
  )

  ;; Along one axis, one past the last output index o with o*stride - pad + k < in (clipped to [0, out]).
  (func $endInside (param $k i32) (param $pad i32) (param $stride i32) (param $in i32) (param $out i32) (result i32)
    (local $u i32)
    local.get $in i32.const 1 i32.sub local.get $pad i32.add local.get $k i32.sub local.tee $u i32.const 0 i32.lt_s
    if i32.const 0 return end
    ;; floor(u / stride) + 1, at most out.
    local.get $u local.get $stride i32.div_u i32.const 1 i32.add local.tee $u
    local.get $out local.get $u local.get $out i32.lt_u select
  )

  ;; im2col of one image x [chans, h, w]: tap t = (ch, ky, kx) at position j = (oy, ox) is
  ;; x[ch, oy*sh - pt + ky, ox*sw - pl + kx] (0 outside the image), stored at dst[t*tapStride + j*posStride]
  ;; (tapStride = positions: the [K, P] patch matrix; posStride = taps: its transpose). Each
  ;; (tap, output row) is a run: zeros, then the pixels of [oxLo, oxHi), then zeros.
  (func $im2col (export "im2col") (param $x i32) (param $chans i32) (param $h i32) (param $w i32) (param $kh i32) (param $kw i32)
      (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32) (param $oh i32) (param $ow i32)
      (param $dst i32) (param $tapStride i32) (param $posStride i32)
    (local $ch i32) (local $ky i32) (local $kx i32) (local $oy i32) (local $ox i32) (local $iy i32)
    (local $oxLo i32) (local $oxHi i32) (local $tapDst i32) (local $d i32) (local $src i32) (local $step i32) (local $vector i32)
    local.get $posStride i32.const 4 i32.mul local.set $step
    ;; Unit strides on both sides: copy runs four floats at a time.
    local.get $posStride i32.const 1 i32.eq local.get $sw i32.const 1 i32.eq i32.and local.set $vector
    local.get $dst local.set $tapDst
    loop $chLoop
      i32.const 0 local.set $ky
      loop $kyLoop
        i32.const 0 local.set $kx
        loop $kxLoop
          local.get $kx local.get $pl local.get $sw local.get $ow call $firstInside local.set $oxLo
          local.get $kx local.get $pl local.get $sw local.get $w local.get $ow call $endInside local.set $oxHi
          local.get $tapDst local.set $d
          i32.const 0 local.set $oy
          loop $oyLoop
            local.get $oy local.get $sh i32.mul local.get $pt i32.sub local.get $ky i32.add local.set $iy
            i32.const 0 local.set $ox
            ;; Inside rows copy [oxLo, oxHi) from x[ch, iy, oxLo*sw - pl + kx] on; other positions are 0.
            local.get $iy local.get $h i32.lt_u
            if
              block $zerosDone
                loop $zeros
                  local.get $ox local.get $oxLo i32.ge_u br_if $zerosDone
                  local.get $d f32.const 0 f32.store
                  local.get $d local.get $step i32.add local.set $d
                  local.get $ox i32.const 1 i32.add local.set $ox
                  br $zeros
                end
              end
              local.get $x local.get $ch local.get $h i32.mul local.get $iy i32.add local.get $w i32.mul
              local.get $ox local.get $sw i32.mul i32.add local.get $pl i32.sub local.get $kx i32.add i32.const 2 i32.shl i32.add local.set $src
              local.get $vector
              if
                block $vecDone
                  loop $vec
                    local.get $ox i32.const 4 i32.add local.get $oxHi i32.gt_u br_if $vecDone
                    local.get $d local.get $src v128.load align=4 v128.store align=4
                    local.get $d i32.const 16 i32.add local.set $d
                    local.get $src i32.const 16 i32.add local.set $src
                    local.get $ox i32.const 4 i32.add local.set $ox
                    br $vec
                  end
                end
              end
              block $copyDone
                loop $copy
                  local.get $ox local.get $oxHi i32.ge_u br_if $copyDone
                  local.get $d local.get $src f32.load f32.store
                  local.get $d local.get $step i32.add local.set $d
                  local.get $src local.get $sw i32.const 4 i32.mul i32.add local.set $src
                  local.get $ox i32.const 1 i32.add local.set $ox
                  br $copy
                end
              end
            end
            block $tailDone
              loop $tail
                local.get $ox local.get $ow i32.ge_u br_if $tailDone
                local.get $d f32.const 0 f32.store
                local.get $d local.get $step i32.add local.set $d
                local.get $ox i32.const 1 i32.add local.set $ox
                br $tail
              end
            end
            local.get $oy i32.const 1 i32.add local.tee $oy local.get $oh i32.lt_u br_if $oyLoop
          end
          local.get $tapDst local.get $tapStride i32.const 4 i32.mul i32.add local.set $tapDst
          local.get $kx i32.const 1 i32.add local.tee $kx local.get $kw i32.lt_u br_if $kxLoop
        end
        local.get $ky i32.const 1 i32.add local.tee $ky local.get $kh i32.lt_u br_if $kyLoop
      end
      local.get $ch i32.const 1 i32.add local.tee $ch local.get $chans i32.lt_u br_if $chLoop
    end
  )

  ;; Gather-form adjoint of im2col for one image, an input row at a time: dx[ch, iy, ix] = sum over
  ;; taps (ky, kx), in that order, of dcols[(ch, ky, kx), (oy, ox)] (row stride ld) where
  ;; oy*sh = iy + pt - ky and ix = ox*sw - pl + kx; for fixed (ky, kx) the ox of [oxLo, oxHi)
  ;; meet a run of the row, ix stepping by sw.
  (func $col2im (export "col2im") (param $dcols i32) (param $ld i32) (param $chans i32) (param $h i32) (param $w i32) (param $kh i32) (param $kw i32)
      (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32) (param $oh i32) (param $ow i32) (param $dx i32)
    (local $ch i32) (local $iy i32) (local $ky i32) (local $kx i32) (local $t i32) (local $oy i32) (local $ox i32)
    (local $oxHi i32) (local $row i32) (local $d i32) (local $src i32) (local $step i32)
    local.get $sw i32.const 4 i32.mul local.set $step
    loop $chLoop
      i32.const 0 local.set $iy
      loop $iyLoop
        local.get $dx local.get $ch local.get $h i32.mul local.get $iy i32.add local.get $w i32.mul i32.const 2 i32.shl i32.add local.set $row
        local.get $row i32.const 0 local.get $w i32.const 2 i32.shl memory.fill
        i32.const 0 local.set $ky
        loop $kyLoop
          ;; Tap row ky meets output row oy = (iy + pt - ky) / sh when that is whole and inside.
          local.get $iy local.get $pt i32.add local.get $ky i32.sub local.tee $t i32.const 0 i32.ge_s
          local.get $t local.get $sh i32.rem_u i32.eqz i32.and
          if
            local.get $t local.get $sh i32.div_u local.tee $oy local.get $oh i32.lt_u
            if
              i32.const 0 local.set $kx
              loop $kxLoop
                local.get $kx local.get $pl local.get $sw local.get $ow call $firstInside local.set $ox
                local.get $kx local.get $pl local.get $sw local.get $w local.get $ow call $endInside local.set $oxHi
                ;; dx row at ix = ox*sw - pl + kx; dcols row (ch*kh + ky)*kw + kx, column oy*ow + ox.
                local.get $row local.get $ox local.get $sw i32.mul local.get $pl i32.sub local.get $kx i32.add i32.const 2 i32.shl i32.add local.set $d
                local.get $dcols
                local.get $ch local.get $kh i32.mul local.get $ky i32.add local.get $kw i32.mul local.get $kx i32.add local.get $ld i32.mul
                local.get $oy local.get $ow i32.mul i32.add local.get $ox i32.add i32.const 2 i32.shl i32.add local.set $src
                block $runDone
                  loop $run
                    local.get $ox local.get $oxHi i32.ge_u br_if $runDone
                    local.get $d local.get $d f32.load local.get $src f32.load f32.add f32.store
                    local.get $d local.get $step i32.add local.set $d
                    local.get $src i32.const 4 i32.add local.set $src
                    local.get $ox i32.const 1 i32.add local.set $ox
                    br $run
                  end
                end
                local.get $kx i32.const 1 i32.add local.tee $kx local.get $kw i32.lt_u br_if $kxLoop
              end
            end
          end
          local.get $ky i32.const 1 i32.add local.tee $ky local.get $kh i32.lt_u br_if $kyLoop
        end
        local.get $iy i32.const 1 i32.add local.tee $iy local.get $h i32.lt_u br_if $iyLoop
      end
      local.get $ch i32.const 1 i32.add local.tee $ch local.get $chans i32.lt_u br_if $chLoop
    end
  )

  ;; dst[r*cols + c] = act(src[r*ld + c] (+ bias[r] when hasBias)), act = max(., 0) when relu, else
  ;; identity (max(., -inf); NaN stays NaN): drops a padded GEMM result's pad.
  (func $unpad (export "unpad") (param $src i32) (param $ld i32) (param $rows i32) (param $cols i32) (param $dst i32) (param $bias i32) (param $hasBias i32) (param $relu i32)
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
    end
  )

  ;; dst[i] += src[i] for i < count (count a multiple of 4).
  (func $addInto (export "addInto") (param $dst i32) (param $src i32) (param $count i32)
    (local $end i32)
    local.get $dst local.get $count i32.const 2 i32.shl i32.add local.set $end
    loop $vecLoop
      local.get $dst local.get $dst v128.load align=4 local.get $src v128.load align=4 f32x4.add v128.store align=4
      local.get $src i32.const 16 i32.add local.set $src
      local.get $dst i32.const 16 i32.add local.tee $dst local.get $end i32.lt_u br_if $vecLoop
    end
  )

  ;; One max-pooling window: rows y0 + [kyStart, kyEnd) and columns x0 + [kxStart, kxEnd) of the plane
  ;; starting at flat index planeBase. The first maximum in row-major window order wins and a NaN
  ;; beats any number; its value goes to y and its flat index to argmax (each skipped when 0); a
  ;; window of padding alone gives -inf and -1.
  (func $maxWindow (param $x i32) (param $planeBase i32) (param $w i32) (param $y0 i32) (param $kyStart i32) (param $kyEnd i32)
      (param $x0 i32) (param $kxStart i32) (param $kxEnd i32) (param $y i32) (param $argmax i32)
    (local $ky i32) (local $kx i32) (local $row i32) (local $i i32) (local $bestIndex i32) (local $best f32) (local $v f32)
    f32.const -inf local.set $best
    i32.const -1 local.set $bestIndex
    local.get $kyStart local.set $ky
    block $kyDone
      loop $kyLoop
        local.get $ky local.get $kyEnd i32.ge_s br_if $kyDone
        ;; Flat index of (y0 + ky, x0).
        local.get $planeBase local.get $y0 local.get $ky i32.add local.get $w i32.mul i32.add local.get $x0 i32.add local.set $row
        local.get $kxStart local.set $kx
        block $kxDone
          loop $kxLoop
            local.get $kx local.get $kxEnd i32.ge_s br_if $kxDone
            local.get $row local.get $kx i32.add local.tee $i i32.const 2 i32.shl local.get $x i32.add f32.load local.set $v
            local.get $bestIndex i32.const 0 i32.lt_s
            local.get $v local.get $best f32.gt i32.or
            local.get $v local.get $v f32.ne local.get $best local.get $best f32.eq i32.and i32.or
            if
              local.get $v local.set $best
              local.get $i local.set $bestIndex
            end
            local.get $kx i32.const 1 i32.add local.set $kx
            br $kxLoop
          end
        end
        local.get $ky i32.const 1 i32.add local.set $ky
        br $kyLoop
      end
    end
    local.get $y
    if local.get $y local.get $best f32.store end
    local.get $argmax
    if local.get $argmax local.get $bestIndex i32.store end
  )

  ;; Four adjacent windows inside the row (columns x0 + j*sw + [0, kw), j < 4, sw 1 or 2) as the
  ;; lanes of f32x4 vectors, with the same first-maximum rule as $maxWindow: a tap replaces a lane's
  ;; best where it is greater, or a NaN over a number.
  (func $maxWindow4 (param $x i32) (param $planeBase i32) (param $w i32) (param $y0 i32) (param $kyStart i32) (param $kyEnd i32)
      (param $x0 i32) (param $sw i32) (param $kw i32) (param $y i32) (param $argmax i32)
    (local $ky i32) (local $kx i32) (local $i i32) (local $at i32) (local $first i32)
    (local $v v128) (local $index v128) (local $best v128) (local $bestIndex v128) (local $better v128) (local $lanes v128)
    ;; Lane j of a tap sits j*sw columns right of lane 0.
    local.get $sw i32x4.splat v128.const i32x4 0 1 2 3 i32x4.mul local.set $lanes
    i32.const 1 local.set $first
    local.get $kyStart local.set $ky
    block $kyDone
      loop $kyLoop
        local.get $ky local.get $kyEnd i32.ge_s br_if $kyDone
        i32.const 0 local.set $kx
        loop $kxLoop
          ;; Tap (ky, kx) of lane 0 at flat index (y0 + ky)*w + x0 + kx.
          local.get $planeBase local.get $y0 local.get $ky i32.add local.get $w i32.mul i32.add local.get $x0 i32.add local.get $kx i32.add local.tee $i
          i32.const 2 i32.shl local.get $x i32.add local.tee $at v128.load align=4 local.set $v
          local.get $sw i32.const 2 i32.eq
          if
            ;; Stride 2: the even floats of eight in a row.
            local.get $v local.get $at v128.load offset=16 align=4 i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 local.set $v
          end
          local.get $i i32x4.splat local.get $lanes i32x4.add local.set $index
          local.get $first
          if
            local.get $v local.set $best
            local.get $index local.set $bestIndex
            i32.const 0 local.set $first
          else
            local.get $v local.get $best f32x4.gt
            local.get $v local.get $v f32x4.ne local.get $best local.get $best f32x4.eq v128.and
            v128.or local.set $better
            local.get $v local.get $best local.get $better v128.bitselect local.set $best
            local.get $index local.get $bestIndex local.get $better v128.bitselect local.set $bestIndex
          end
          local.get $kx i32.const 1 i32.add local.tee $kx local.get $kw i32.lt_s br_if $kxLoop
        end
        local.get $ky i32.const 1 i32.add local.set $ky
        br $kyLoop
      end
    end
    local.get $y
    if local.get $y local.get $best v128.store align=4 end
    local.get $argmax
    if local.get $argmax local.get $bestIndex v128.store align=4 end
  )

  ;; Max pooling of \`planes\` planes [h, w] into [oh, ow]: each window's maximum into y and its flat
  ;; input index (within these planes) into argmax, each skipped when its address is 0. Window (oy, ox)
  ;; covers rows oy*sh - pt + [0, kh) and columns ox*sw - pl + [0, kw), clipped to the image; columns
  ;; [oxLo, oxHi) lie wholly inside, and there runs of four go through $maxWindow4 (strides 1 and 2).
  (func $maxPool (export "maxPool") (param $x i32) (param $planes i32) (param $h i32) (param $w i32) (param $oh i32) (param $ow i32)
      (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32) (param $y i32) (param $argmax i32)
    (local $plane i32) (local $oy i32) (local $ox i32) (local $y0 i32) (local $x0 i32) (local $kyStart i32) (local $kyEnd i32)
    (local $oxLo i32) (local $oxHi i32) (local $vector i32) (local $out i32) (local $yAt i32) (local $argmaxAt i32) (local $right i32)
    i32.const 0 local.get $pl local.get $sw local.get $ow call $firstInside local.set $oxLo
    local.get $kw i32.const 1 i32.sub local.get $pl local.get $sw local.get $w local.get $ow call $endInside local.set $oxHi
    local.get $sw i32.const 1 i32.eq local.get $sw i32.const 2 i32.eq i32.or local.set $vector
    loop $planeLoop
      i32.const 0 local.set $oy
      loop $oyLoop
        ;; Rows y0 + [kyStart, kyEnd) of the window, clipped to [0, h).
        local.get $oy local.get $sh i32.mul local.get $pt i32.sub local.set $y0
        i32.const 0 local.get $y0 i32.sub i32.const 0 local.get $y0 i32.const 0 i32.lt_s select local.set $kyStart
        local.get $h local.get $y0 i32.sub local.tee $kyEnd local.get $kh local.get $kyEnd local.get $kh i32.lt_s select local.set $kyEnd
        i32.const 0 local.set $ox
        loop $oxLoop
          local.get $ox local.get $sw i32.mul local.get $pl i32.sub local.set $x0
          ;; Output (plane, oy, ox) is flat index out; its addresses in y and argmax (0 stays 0).
          local.get $y local.get $out i32.const 2 i32.shl i32.add i32.const 0 local.get $y select local.set $yAt
          local.get $argmax local.get $out i32.const 2 i32.shl i32.add i32.const 0 local.get $argmax select local.set $argmaxAt
          local.get $vector local.get $ox local.get $oxLo i32.ge_s i32.and local.get $ox i32.const 4 i32.add local.get $oxHi i32.le_s i32.and
          if
            local.get $x local.get $plane local.get $h i32.mul local.get $w i32.mul local.get $w local.get $y0 local.get $kyStart local.get $kyEnd
            local.get $x0 local.get $sw local.get $kw local.get $yAt local.get $argmaxAt
            call $maxWindow4
            local.get $ox i32.const 4 i32.add local.set $ox
            local.get $out i32.const 4 i32.add local.set $out
          else
            ;; Columns x0 + [kxStart, kxEnd), clipped to [0, w).
            local.get $x local.get $plane local.get $h i32.mul local.get $w i32.mul local.get $w local.get $y0 local.get $kyStart local.get $kyEnd
            local.get $x0
            i32.const 0 local.get $x0 i32.sub i32.const 0 local.get $x0 i32.const 0 i32.lt_s select
            local.get $w local.get $x0 i32.sub local.tee $right local.get $kw local.get $right local.get $kw i32.lt_s select
            local.get $yAt local.get $argmaxAt
            call $maxWindow
            local.get $ox i32.const 1 i32.add local.set $ox
            local.get $out i32.const 1 i32.add local.set $out
          end
          local.get $ox local.get $ow i32.lt_s br_if $oxLoop
        end
        local.get $oy i32.const 1 i32.add local.tee $oy local.get $oh i32.lt_u br_if $oyLoop
      end
      local.get $plane i32.const 1 i32.add local.tee $plane local.get $planes i32.lt_u br_if $planeLoop
    end
  )

  ;; Max-pooling gradient over \`planes\` planes, gathered an input row at a time: dx[plane, iy, :] sums, over
  ;; the windows (oy, ox) covering row iy (oy from rows[iy]: first and last, an i32 pair) in (oy, ox)
  ;; order, each window's dy at the column of its first maximum argmax[...] when that lies in row iy.
  ;; Branch-free: a window whose maximum is elsewhere adds +0 (its dy bits and-ed with 0) at column 0.
  (func $maxPoolGrad (export "maxPoolGrad") (param $dy i32) (param $argmax i32) (param $planes i32) (param $h i32) (param $w i32)
      (param $oh i32) (param $ow i32) (param $rows i32) (param $dx i32)
    (local $plane i32) (local $iy i32) (local $oy i32) (local $oyLast i32) (local $o i32) (local $oEnd i32)
    (local $rowStart i32) (local $row i32) (local $column i32) (local $inside i32) (local $at i32)
    loop $planeLoop
      i32.const 0 local.set $iy
      loop $iyLoop
        ;; Row iy of this plane: flat index rowStart, address row; cleared, then gathered into.
        local.get $plane local.get $h i32.mul local.get $iy i32.add local.get $w i32.mul local.tee $rowStart
        i32.const 2 i32.shl local.get $dx i32.add local.tee $row i32.const 0 local.get $w i32.const 2 i32.shl memory.fill
        local.get $rows local.get $iy i32.const 3 i32.shl i32.add i32.load local.set $oy
        local.get $rows local.get $iy i32.const 3 i32.shl i32.add i32.load offset=4 local.set $oyLast
        block $oyDone
          loop $oyLoop
            local.get $oy local.get $oyLast i32.gt_s br_if $oyDone
            ;; Windows of output row oy: flat indices (plane*oh + oy)*ow + [0, ow).
            local.get $plane local.get $oh i32.mul local.get $oy i32.add local.get $ow i32.mul local.tee $o local.get $ow i32.add local.set $oEnd
            loop $oxLoop
              ;; column = argmax[o] - rowStart, inside the row when 0 <= column < w (unsigned compare).
              local.get $argmax local.get $o i32.const 2 i32.shl i32.add i32.load local.get $rowStart i32.sub local.tee $column
              local.get $w i32.lt_u local.set $inside
              local.get $row local.get $column i32.const 0 local.get $inside select i32.const 2 i32.shl i32.add local.tee $at
              local.get $at f32.load
              local.get $dy local.get $o i32.const 2 i32.shl i32.add i32.load i32.const 0 local.get $inside i32.sub i32.and f32.reinterpret_i32
              f32.add f32.store
              local.get $o i32.const 1 i32.add local.tee $o local.get $oEnd i32.lt_u br_if $oxLoop
            end
            local.get $oy i32.const 1 i32.add local.set $oy
            br $oyLoop
          end
        end
        local.get $iy i32.const 1 i32.add local.tee $iy local.get $h i32.lt_u br_if $iyLoop
      end
      local.get $plane i32.const 1 i32.add local.tee $plane local.get $planes i32.lt_u br_if $planeLoop
    end
  )

  ;; out[r] = the sum of row r of x [rows, cols], accumulated in f64 (four partial sums, then the tail)
  ;; and rounded to f32 once.
  (func $rowSums (export "rowSums") (param $x i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $r i32) (local $at i32) (local $end i32) (local $vectorEnd i32)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64)
    loop $rowLoop
      local.get $x local.get $r local.get $cols i32.mul i32.const 2 i32.shl i32.add local.tee $at
      local.get $cols i32.const 2 i32.shl i32.add local.set $end
      local.get $at local.get $cols i32.const -4 i32.and i32.const 2 i32.shl i32.add local.set $vectorEnd
      f64.const 0 local.set $s0 f64.const 0 local.set $s1 f64.const 0 local.set $s2 f64.const 0 local.set $s3
      block $fourDone
        loop $four
          local.get $at local.get $vectorEnd i32.ge_u br_if $fourDone
          local.get $s0 local.get $at f32.load f64.promote_f32 f64.add local.set $s0
          local.get $s1 local.get $at f32.load offset=4 f64.promote_f32 f64.add local.set $s1
          local.get $s2 local.get $at f32.load offset=8 f64.promote_f32 f64.add local.set $s2
          local.get $s3 local.get $at f32.load offset=12 f64.promote_f32 f64.add local.set $s3
          local.get $at i32.const 16 i32.add local.set $at
          br $four
        end
      end
      local.get $s0 local.get $s1 f64.add local.get $s2 local.get $s3 f64.add f64.add local.set $s0
      block $tailDone
        loop $tail
          local.get $at local.get $end i32.ge_u br_if $tailDone
          local.get $s0 local.get $at f32.load f64.promote_f32 f64.add local.set $s0
          local.get $at i32.const 4 i32.add local.set $at
          br $tail
        end
      end
      local.get $out local.get $r i32.const 2 i32.shl i32.add local.get $s0 f32.demote_f64 f32.store
      local.get $r i32.const 1 i32.add local.tee $r local.get $rows i32.lt_u br_if $rowLoop
    end
  )

  ;; Concatenates runs of \`run\` floats into out: for i < n0, j < n1, the run at x + (i*s0 + j*s1) floats.
  (func $copyRuns (export "copyRuns") (param $x i32) (param $n0 i32) (param $s0 i32) (param $n1 i32) (param $s1 i32) (param $run i32) (param $out i32)
    (local $i i32) (local $j i32) (local $bytes i32)
    local.get $run i32.const 2 i32.shl local.set $bytes
    loop $iLoop
      i32.const 0 local.set $j
      loop $jLoop
        local.get $out
        local.get $x local.get $i local.get $s0 i32.mul local.get $j local.get $s1 i32.mul i32.add i32.const 2 i32.shl i32.add
        local.get $bytes memory.copy
        local.get $out local.get $bytes i32.add local.set $out
        local.get $j i32.const 1 i32.add local.tee $j local.get $n1 i32.lt_u br_if $jLoop
      end
      local.get $i i32.const 1 i32.add local.tee $i local.get $n0 i32.lt_u br_if $iLoop
    end
  )

  ;; Zeroes bytes [dst, dst + bytes).
  (func $zero (export "zero") (param $dst i32) (param $bytes i32)
    local.get $dst i32.const 0 local.get $bytes memory.fill
  )
  ${Object.entries(simdUnaryOps).map(([name, op]) => unaryKernel(name, op)).join('')}
  ${Object.entries(simdBinaryOps).map(([name, op]) => binaryKernel(name, op)).join('')}
)
`;
