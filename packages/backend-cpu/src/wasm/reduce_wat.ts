/** The reduction family: `rowSums` (see `kernels/reduce.ts`). */
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
   * `out[0..3] = sum_v x[4v..4v+3] * 0` over v < vectors: all four lanes stay 0 while every value is
   * finite, and become NaN at the first infinity or NaN (0 * inf = NaN, and NaN sticks).
   */
  finiteProbe: {
    params: ['x', 'vectors', 'out'] as const,
    wat: `
    (local $acc v128) (local $zero v128) (local $end i32)
    local.get $x local.get $vectors i32.const 4 i32.shl i32.add local.set $end
    block $done
      loop $vec
        local.get $x local.get $end i32.ge_u br_if $done
        local.get $acc local.get $x v128.load align=4 local.get $zero f32x4.mul f32x4.add local.set $acc
        local.get $x i32.const 16 i32.add local.set $x
        br $vec
      end
    end
    local.get $out local.get $acc v128.store align=4`,
  },
} satisfies KernelTable;
