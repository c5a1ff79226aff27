/** The reduction family: `rowSums`, `reluBackpropRowSums` and `finiteProbe` (see `kernels/reduce.ts`, `kernels/finite.ts`). */
import type { KernelTable } from './kernel_table.js';

/** The reduction family's exports. */
export const reduceKernels = {
  /** `out[r] = sum_c x[r*cols + c]` for r < rows, accumulated in f64 (four partial sums, then the tail) and rounded to f32 once. */
  rowSums: {
    params: ['x', 'rows', 'cols', 'out'] as const,
    wat: `
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
    end`,
  },
  /**
   * `dz[i] = y[i] <= 0 ? +0 : dy[i]` (reluBackprop's rule) for i < rows*cols, and `sums[r] = sum_c dz[r*cols + c]` for r < rows, in f32: four lanes of partial sums, then the tail.
   */
  reluBackpropRowSums: {
    params: ['dy', 'y', 'dz', 'rows', 'cols', 'sums'] as const,
    wat: `
    (local $r i32) (local $at i32) (local $end i32) (local $vectorEnd i32) (local $acc v128) (local $v v128) (local $zero v128) (local $s f32) (local $g f32)
    block $done
      local.get $rows i32.eqz br_if $done
      loop $rowLoop
        ;; Row r: bytes [at, end) from each base, whole vectors up to vectorEnd.
        local.get $r local.get $cols i32.mul i32.const 2 i32.shl local.tee $at
        local.get $cols i32.const 2 i32.shl i32.add local.set $end
        local.get $at local.get $cols i32.const -4 i32.and i32.const 2 i32.shl i32.add local.set $vectorEnd
        v128.const i32x4 0 0 0 0 local.set $acc
        block $vecDone
          loop $vec
            local.get $at local.get $vectorEnd i32.ge_u br_if $vecDone
            local.get $dy local.get $at i32.add v128.load align=4
            local.get $y local.get $at i32.add v128.load align=4 local.get $zero f32x4.le v128.andnot local.set $v
            local.get $dz local.get $at i32.add local.get $v v128.store align=4
            local.get $acc local.get $v f32x4.add local.set $acc
            local.get $at i32.const 16 i32.add local.set $at
            br $vec
          end
        end
        local.get $acc f32x4.extract_lane 0 local.get $acc f32x4.extract_lane 1 f32.add
        local.get $acc f32x4.extract_lane 2 local.get $acc f32x4.extract_lane 3 f32.add f32.add local.set $s
        block $tailDone
          loop $tail
            local.get $at local.get $end i32.ge_u br_if $tailDone
            ;; g = y <= 0 ? 0 : dy.
            f32.const 0 local.get $dy local.get $at i32.add f32.load
            local.get $y local.get $at i32.add f32.load f32.const 0 f32.le select local.set $g
            local.get $dz local.get $at i32.add local.get $g f32.store
            local.get $s local.get $g f32.add local.set $s
            local.get $at i32.const 4 i32.add local.set $at
            br $tail
          end
        end
        local.get $sums local.get $r i32.const 2 i32.shl i32.add local.get $s f32.store
        local.get $r i32.const 1 i32.add local.tee $r local.get $rows i32.lt_u br_if $rowLoop
      end
    end`,
  },
  /**
   * `out[0..3] = sum_v x[4v..4v+3] * 0` over v < vectors: all four lanes stay 0 while every value is
   * finite, and become NaN at the first infinity or NaN (0 * inf = NaN, and NaN sticks). Four sums,
   * vectors v = 4i + j into sum j (one sum waited on each add's latency), then the last vectors % 4
   * into sum 0; with `allFinite`'s parts across two threads, 1.4M floats in cache 0.17 -> 0.09 ms.
   */
  finiteProbe: {
    params: ['x', 'vectors', 'out'] as const,
    wat: `
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $zero v128) (local $end i32) (local $fourEnd i32)
    local.get $x local.get $vectors i32.const 4 i32.shl i32.add local.set $end
    local.get $x local.get $vectors i32.const -4 i32.and i32.const 4 i32.shl i32.add local.set $fourEnd
    block $fourDone
      loop $four
        local.get $x local.get $fourEnd i32.ge_u br_if $fourDone
        local.get $a0 local.get $x v128.load align=4 local.get $zero f32x4.mul f32x4.add local.set $a0
        local.get $a1 local.get $x v128.load offset=16 align=4 local.get $zero f32x4.mul f32x4.add local.set $a1
        local.get $a2 local.get $x v128.load offset=32 align=4 local.get $zero f32x4.mul f32x4.add local.set $a2
        local.get $a3 local.get $x v128.load offset=48 align=4 local.get $zero f32x4.mul f32x4.add local.set $a3
        local.get $x i32.const 64 i32.add local.set $x
        br $four
      end
    end
    block $done
      loop $vec
        local.get $x local.get $end i32.ge_u br_if $done
        local.get $a0 local.get $x v128.load align=4 local.get $zero f32x4.mul f32x4.add local.set $a0
        local.get $x i32.const 16 i32.add local.set $x
        br $vec
      end
    end
    local.get $out local.get $a0 local.get $a1 f32x4.add local.get $a2 local.get $a3 f32x4.add f32x4.add v128.store align=4`,
  },
} satisfies KernelTable;
