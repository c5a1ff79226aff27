/**
 * The max-pooling family: `maxPool` (window maxima and where they are in their plane) and
 * `maxPoolGrad` (the gradient scattered to those positions), over planes [h, w] (see `kernels/pool.ts`). Scanning a
 * window in row-major order, a value replaces the best when it is greater or NaN (PyTorch's
 * max_pool2d): ties go to the first maximum, and a window holding NaN gives its last NaN.
 */
import type { KernelTable } from './kernel_table.js';
import { endInside, firstInside } from './window_wat.js';

/**
 * One max-pooling window: rows y0 + [kyStart, kyEnd) and columns x0 + [kxStart, kxEnd) of the plane
 * starting at flat index planeBase. Its maximum goes to y and the maximum's index in the plane
 * (iy*w + ix) to argmax (skipped when 0); a window of padding alone gives -inf and -1.
 */
const maxWindow = `
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
            ;; Replace when first, greater, or NaN.
            local.get $bestIndex i32.const 0 i32.lt_s
            local.get $v local.get $best f32.gt i32.or
            local.get $v local.get $v f32.ne i32.or
            if
              local.get $v local.set $best
              local.get $i local.get $planeBase i32.sub local.set $bestIndex
            end
            local.get $kx i32.const 1 i32.add local.set $kx
            br $kxLoop
          end
        end
        local.get $ky i32.const 1 i32.add local.set $ky
        br $kyLoop
      end
    end
    local.get $y local.get $best f32.store
    local.get $argmax
    if local.get $argmax local.get $bestIndex i32.store end
  )`;

/**
 * Four adjacent windows inside the row (columns x0 + j*sw + [0, kw), j < 4, sw 1 or 2) as the
 * lanes of f32x4 vectors, with the same rule as $maxWindow: a tap replaces a lane's best where it
 * is greater or NaN. `$maxWindow4` stores the maxima (at y) and where they are (at argmax,
 * unless 0); `$maxWindow4Values` only the maxima, without tracking indices (the forward pass).
 */
function maxWindow4(withIndices: boolean): string {
  const name = withIndices ? '$maxWindow4' : '$maxWindow4Values';
  const index = (text: string): string => (withIndices ? text : '');
  return `
  (func ${name} (param $x i32) (param $planeBase i32) (param $w i32) (param $y0 i32) (param $kyStart i32) (param $kyEnd i32)
      (param $x0 i32) (param $sw i32) (param $kw i32) (param $y i32)${index(' (param $argmax i32)')}
    (local $ky i32) (local $kx i32) (local $i i32) (local $at i32) (local $first i32)
    (local $v v128) (local $best v128) (local $better v128)${index(' (local $index v128) (local $bestIndex v128) (local $lanes v128)')}
    ${index(`;; Lane j of a tap sits j*sw columns right of lane 0.
    local.get $sw i32x4.splat v128.const i32x4 0 1 2 3 i32x4.mul local.set $lanes`)}
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
          ${index(`;; Lane j's index in the plane.
          local.get $i local.get $planeBase i32.sub i32x4.splat local.get $lanes i32x4.add local.set $index`)}
          local.get $first
          if
            local.get $v local.set $best
            ${index('local.get $index local.set $bestIndex')}
            i32.const 0 local.set $first
          else
            local.get $v local.get $best f32x4.gt
            local.get $v local.get $v f32x4.ne
            v128.or local.set $better
            local.get $v local.get $best local.get $better v128.bitselect local.set $best
            ${index('local.get $index local.get $bestIndex local.get $better v128.bitselect local.set $bestIndex')}
          end
          local.get $kx i32.const 1 i32.add local.tee $kx local.get $kw i32.lt_s br_if $kxLoop
        end
        local.get $ky i32.const 1 i32.add local.set $ky
        br $kyLoop
      end
    end
    local.get $y local.get $best v128.store align=4
    ${index(`local.get $argmax
    if local.get $argmax local.get $bestIndex v128.store align=4 end`)}
  )`;
}

/** The arguments both run-of-four functions share, for the run at $start (its outputs $shift bytes past $yAt). */
const runArgs = `local.get $x local.get $plane local.get $h i32.mul local.get $w i32.mul local.get $w local.get $y0 local.get $kyStart local.get $kyEnd
              local.get $start local.get $sw i32.mul local.get $pl i32.sub local.get $sw local.get $kw
              local.get $yAt local.get $start local.get $ox i32.sub i32.const 2 i32.shl local.tee $shift i32.add`;

/** The max-pooling family's exports. */
export const poolKernels = {
  /**
   * `y[plane, oy, ox] = max of x[plane, oy*sh - pt + [0, kh), ox*sw - pl + [0, kw)]` (clipped to [h, w]), and `argmax[plane, oy, ox]` = the index iy*w + ix in its plane of its first maximum (its last NaN when it holds one; -1 for a window of padding alone).
   *
   * argmax is skipped when its address is 0. Windows [oxLo, oxHi) lie wholly inside the
   * image, and there runs of four go through $maxWindow4 (strides 1 and 2; $maxWindow4Values when argmax is 0), the last run ending at oxHi.
   */
  maxPool: {
    params: ['x', 'planes', 'h', 'w', 'oh', 'ow', 'kh', 'kw', 'sh', 'sw', 'pt', 'pl', 'y', 'argmax'] as const,
    helpers: [firstInside, endInside, maxWindow, maxWindow4(true), maxWindow4(false)],
    wat: `
    (local $plane i32) (local $oy i32) (local $ox i32) (local $y0 i32) (local $x0 i32) (local $kyStart i32) (local $kyEnd i32)
    (local $oxLo i32) (local $oxHi i32) (local $vector i32) (local $out i32) (local $yAt i32) (local $argmaxAt i32) (local $right i32)
    (local $start i32) (local $shift i32)
    i32.const 0 local.get $pl local.get $sw local.get $ow call $firstInside local.set $oxLo
    local.get $kw i32.const 1 i32.sub local.get $pl local.get $sw local.get $w local.get $ow call $endInside local.set $oxHi
    ;; Runs of four windows need strides 1 or 2 and at least four windows wholly inside.
    local.get $sw i32.const 1 i32.eq local.get $sw i32.const 2 i32.eq i32.or local.get $oxHi local.get $oxLo i32.sub i32.const 4 i32.ge_s i32.and local.set $vector
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
          local.get $y local.get $out i32.const 2 i32.shl i32.add local.set $yAt
          local.get $argmax local.get $out i32.const 2 i32.shl i32.add i32.const 0 local.get $argmax select local.set $argmaxAt
          local.get $vector local.get $ox local.get $oxLo i32.ge_s i32.and local.get $ox local.get $oxHi i32.lt_s i32.and
          if
            ;; Windows start + [0, 4), start = min(ox, oxHi - 4): a last run overlaps the one before
            ;; it (writing the same values again) rather than leaving a tail to the scalar path.
            local.get $ox local.get $oxHi i32.const 4 i32.sub local.tee $start local.get $ox local.get $start i32.lt_s select local.set $start
            local.get $argmax
            if
              ${runArgs}
              local.get $argmaxAt local.get $shift i32.add
              call $maxWindow4
            else
              ${runArgs}
              call $maxWindow4Values
            end
            ;; Past the run: ox and out advance by start + 4 - ox.
            local.get $out local.get $start i32.const 4 i32.add local.get $ox i32.sub i32.add local.set $out
            local.get $start i32.const 4 i32.add local.set $ox
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
    end`,
  },

  /**
   * `dx[plane, i] = sum of dy[plane, o] over the windows o with argmax[plane, o] = i` (indices in the plane, as `maxPool` writes them; -1 is skipped).
   *
   * The planes are cleared, then each plane's windows scatter in (oy, ox) order, the order the sums
   * of a position are taken in.
   */
  maxPoolGrad: {
    params: ['dy', 'argmax', 'planes', 'h', 'w', 'oh', 'ow', 'dx'] as const,
    wat: `
    (local $plane i32) (local $o i32) (local $oEnd i32) (local $index i32) (local $at i32) (local $dxPlane i32)
    ;; All planes' dx cleared at once: they are contiguous.
    local.get $dx i32.const 0 local.get $planes local.get $h i32.mul local.get $w i32.mul i32.const 2 i32.shl memory.fill
    block $done
      local.get $oh local.get $ow i32.mul i32.eqz br_if $done
      loop $planeLoop
        ;; Windows (plane*oh*ow) + [0, oh*ow), into dx's plane at dxPlane.
        local.get $dx local.get $plane local.get $h i32.mul local.get $w i32.mul i32.const 2 i32.shl i32.add local.set $dxPlane
        local.get $plane local.get $oh i32.mul local.get $ow i32.mul local.tee $o local.get $oh local.get $ow i32.mul i32.add local.set $oEnd
        loop $oLoop
          ;; dx[plane, argmax[o]] += dy[o], unless the window held padding alone.
          local.get $argmax local.get $o i32.const 2 i32.shl i32.add i32.load local.tee $index i32.const 0 i32.ge_s
          if
            local.get $dxPlane local.get $index i32.const 2 i32.shl i32.add local.tee $at
            local.get $at f32.load local.get $dy local.get $o i32.const 2 i32.shl i32.add f32.load f32.add f32.store
          end
          local.get $o i32.const 1 i32.add local.tee $o local.get $oEnd i32.lt_u br_if $oLoop
        end
        local.get $plane i32.const 1 i32.add local.tee $plane local.get $planes i32.lt_u br_if $planeLoop
      end
    end`,
  },
} satisfies KernelTable;
