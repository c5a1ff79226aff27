/** The transpose family: `copyRuns`, which moves whole contiguous runs (see `kernels/shape_ops.ts`). */
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
} satisfies KernelTable;
