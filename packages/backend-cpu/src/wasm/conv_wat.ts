/**
 * The convolution family: `im2col` lays one image's patches out as a matrix for the GEMM, and
 * `col2im` gathers a patch-matrix gradient back onto the image (see `kernels/conv.ts`).
 */
import type { KernelTable } from './kernel_table.js';
import { endInside, firstInside } from './window_wat.js';

/** The convolution family's exports. */
export const convKernels = {
  /**
   * `dst[t*tapStride + j*posStride] = x[ch, oy*sh - pt + ky*dilh, ox*sw - pl + kx*dilw]` (0 outside the image) for tap t = (ch, ky, kx), position j = (oy, ox) of one image x [chans, h, w].
   *
   * tapStride = positions gives the [K, P] patch matrix; posStride = taps, its transpose. Each
   * (tap, output row) is a run: zeros, then the pixels of [oxLo, oxHi), then zeros.
   */
  im2col: {
    params: ['x', 'chans', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'pt', 'pl', 'dilh', 'dilw', 'oh', 'ow', 'dst', 'tapStride', 'posStride'] as const,
    helpers: [firstInside, endInside],
    wat: `
    (local $ch i32) (local $ky i32) (local $kx i32) (local $kxd i32) (local $oy i32) (local $ox i32) (local $iy i32)
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
          ;; Tap kx sits kxd = kx*dilw columns into the window.
          local.get $kx local.get $dilw i32.mul local.set $kxd
          local.get $kxd local.get $pl local.get $sw local.get $ow call $firstInside local.set $oxLo
          local.get $kxd local.get $pl local.get $sw local.get $w local.get $ow call $endInside local.set $oxHi
          local.get $tapDst local.set $d
          i32.const 0 local.set $oy
          loop $oyLoop
            local.get $oy local.get $sh i32.mul local.get $pt i32.sub local.get $ky local.get $dilh i32.mul i32.add local.set $iy
            i32.const 0 local.set $ox
            ;; Inside rows copy [oxLo, oxHi) from x[ch, iy, oxLo*sw - pl + kxd] on; other positions are 0.
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
              local.get $ox local.get $sw i32.mul i32.add local.get $pl i32.sub local.get $kxd i32.add i32.const 2 i32.shl i32.add local.set $src
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
    end`,
  },

  /**
   * `dx[ch, iy, ix] = sum over taps (ky, kx) of dcols[(ch, ky, kx), (oy, ox)]` (row stride ld) where oy*sh = iy + pt - ky*dilh and ix = ox*sw - pl + kx*dilw: the adjoint of im2col.
   *
   * Gathered an input row at a time, taps in (ky, kx) order; for fixed (ky, kx) the ox of
   * [oxLo, oxHi) meet a run of the row, ix stepping by sw.
   */
  col2im: {
    params: ['dcols', 'ld', 'chans', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'pt', 'pl', 'dilh', 'dilw', 'oh', 'ow', 'dx'] as const,
    helpers: [firstInside, endInside],
    wat: `
    (local $ch i32) (local $iy i32) (local $ky i32) (local $kx i32) (local $kxd i32) (local $t i32) (local $oy i32) (local $ox i32)
    (local $oxHi i32) (local $row i32) (local $d i32) (local $src i32) (local $step i32)
    local.get $sw i32.const 4 i32.mul local.set $step
    loop $chLoop
      i32.const 0 local.set $iy
      loop $iyLoop
        local.get $dx local.get $ch local.get $h i32.mul local.get $iy i32.add local.get $w i32.mul i32.const 2 i32.shl i32.add local.set $row
        local.get $row i32.const 0 local.get $w i32.const 2 i32.shl memory.fill
        i32.const 0 local.set $ky
        loop $kyLoop
          ;; Tap row ky meets output row oy = (iy + pt - ky*dilh) / sh when that is whole and inside.
          local.get $iy local.get $pt i32.add local.get $ky local.get $dilh i32.mul i32.sub local.tee $t i32.const 0 i32.ge_s
          local.get $t local.get $sh i32.rem_u i32.eqz i32.and
          if
            local.get $t local.get $sh i32.div_u local.tee $oy local.get $oh i32.lt_u
            if
              i32.const 0 local.set $kx
              loop $kxLoop
                local.get $kx local.get $dilw i32.mul local.set $kxd
                local.get $kxd local.get $pl local.get $sw local.get $ow call $firstInside local.set $ox
                local.get $kxd local.get $pl local.get $sw local.get $w local.get $ow call $endInside local.set $oxHi
                ;; dx row at ix = ox*sw - pl + kx*dilw; dcols row (ch*kh + ky)*kw + kx, column oy*ow + ox.
                local.get $row local.get $ox local.get $sw i32.mul local.get $pl i32.sub local.get $kxd i32.add i32.const 2 i32.shl i32.add local.set $d
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
    end`,
  },
} satisfies KernelTable;
