/**
 * The transpose family: `copyRuns`, which moves whole contiguous runs (see `kernels/shape_ops.ts`), and
 * `transposeMatrix`, a GEMM operand turned over (see `kernels/conv.ts`).
 */
import type { KernelTable } from './kernel_table.js';

/** The transpose family's exports. */
export const transposeKernels = {
  /** `out[(i*n1 + j)*run + r] = x[(i*s0 + j*s1) + r]` for i < n0, j < n1, r < run: runs of `run` floats, concatenated. */
  copyRuns: {
    params: ['x', 'n0', 's0', 'n1', 's1', 'run', 'out'] as const,
    wat: `
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
    end`,
  },

  /** `dst[c*rows + r] = src[r*ld + c]` for r < rows, c < cols. */
  transposeMatrix: {
    params: ['src', 'rows', 'cols', 'ld', 'dst'] as const,
    wat: `
    (local $r i32) (local $c i32) (local $to i32) (local $from i32)
    loop $rowLoop
      local.get $dst local.get $r i32.const 2 i32.shl i32.add local.set $to
      local.get $src local.get $r local.get $ld i32.mul i32.const 2 i32.shl i32.add local.set $from
      i32.const 0 local.set $c
      loop $colLoop
        local.get $to local.get $from f32.load f32.store
        local.get $to local.get $rows i32.const 2 i32.shl i32.add local.set $to
        local.get $from i32.const 4 i32.add local.set $from
        local.get $c i32.const 1 i32.add local.tee $c local.get $cols i32.lt_u br_if $colLoop
      end
      local.get $r i32.const 1 i32.add local.tee $r local.get $rows i32.lt_u br_if $rowLoop
    end`,
  },
} satisfies KernelTable;
