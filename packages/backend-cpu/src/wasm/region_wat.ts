/** The region family: `copyBox`, which moves a box of runs between two strided layouts (see `kernels/region.ts`). */
import type { KernelTable } from './kernel_table.js';

/** The region family's exports. */
export const regionKernels = {
  /** `out[i*os0 + j*os1 + r] = x[i*xs0 + j*xs1 + r]` for i < n0, j < n1, r < run (n0, n1 >= 1): runs of `run` floats. */
  copyBox: {
    params: ['x', 'xs0', 'xs1', 'out', 'os0', 'os1', 'n0', 'n1', 'run'] as const,
    wat: `
    (local $i i32) (local $j i32) (local $bytes i32) (local $from i32) (local $to i32)
    local.get $run i32.const 2 i32.shl local.set $bytes
    loop $iLoop
      local.get $x local.get $i local.get $xs0 i32.mul i32.const 2 i32.shl i32.add local.set $from
      local.get $out local.get $i local.get $os0 i32.mul i32.const 2 i32.shl i32.add local.set $to
      i32.const 0 local.set $j
      loop $jLoop
        local.get $to local.get $from local.get $bytes memory.copy
        local.get $from local.get $xs1 i32.const 2 i32.shl i32.add local.set $from
        local.get $to local.get $os1 i32.const 2 i32.shl i32.add local.set $to
        local.get $j i32.const 1 i32.add local.tee $j local.get $n1 i32.lt_u br_if $jLoop
      end
      local.get $i i32.const 1 i32.add local.tee $i local.get $n0 i32.lt_u br_if $iLoop
    end`,
  },
} satisfies KernelTable;
