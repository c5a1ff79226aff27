/**
 * The kernel tables and what is derived from them: the module exports exactly the tables' kernels
 * with one parameter per declared name, calls carry their arguments in declared order whatever
 * order they were named in, a helper shared by two families is in the module once; and (checked by
 * `tsc -b`, which builds this folder's tsconfig.json) a call with a missing, misspelt or foreign
 * argument does not compile.
 */
import { describe, expect, it } from 'vitest';
import { assembleWat } from '../src/wasm/assembler.js';
import { convKernels } from '../src/wasm/conv_wat.js';
import { elementwiseKernels } from '../src/wasm/elementwise_wat.js';
import { gemmKernels } from '../src/wasm/gemm_wat.js';
import { call, kernelNames, kernelsWat, kernelTable } from '../src/wasm/kernel_module.js';
import type { KernelCall } from '../src/wasm/kernel_table.js';
import { optimKernels } from '../src/wasm/optim_wat.js';
import { poolKernels } from '../src/wasm/pool_wat.js';
import { reduceKernels } from '../src/wasm/reduce_wat.js';
import { regionKernels } from '../src/wasm/region_wat.js';
import { kernels } from '../src/wasm/runtime.js';
import { transposeKernels } from '../src/wasm/transpose_wat.js';
import { winogradKernels } from '../src/wasm/winograd_wat.js';

const families = [gemmKernels, convKernels, poolKernels, reduceKernels, transposeKernels, elementwiseKernels, winogradKernels, regionKernels, optimKernels];

describe('kernel tables', () => {
  it('name each kernel once across the families', () => {
    const names = families.flatMap((family) => Object.keys(family));
    expect(new Set(names).size).toBe(names.length);
    expect([...kernelNames].sort()).toEqual([...names].sort());
  });

  it('are what the module exports, one WebAssembly parameter per declared name', () => {
    expect(Object.keys(kernels).sort()).toEqual([...kernelNames].sort());
    for (const name of kernelNames) {
      expect({ name, arity: kernels[name].length }).toEqual({ name, arity: kernelTable[name].params.length });
    }
  });

  it('build calls with the arguments in declared order and the protocol index', () => {
    for (const [index, name] of kernelNames.entries()) {
      const { params } = kernelTable[name];
      // Named in reverse order, valued by declared position.
      const args = Object.fromEntries(params.map((param, i) => [param, 100 + i]).reverse());
      const built = (call[name] as (args: Readonly<Record<string, number>>) => KernelCall)(args);
      expect(built).toEqual({ kernel: name, index, args: params.map((_, i) => 100 + i) });
    }
    const transpose = call.transposeMatrix({ dst: 5, ld: 4, cols: 3, rows: 2, src: 1 });
    expect(transpose.args).toEqual([1, 2, 3, 4, 5]);
  });

  it('put a helper shared by two families into the module once', () => {
    const text = kernelsWat({ fusedMultiplyAdd: false }, 16);
    expect(text.match(/\(func \$firstInside /g)).toHaveLength(1);
    expect(text.match(/\(func \$endInside /g)).toHaveLength(1);
    expect(text.match(/\(func \$micro /g)).toHaveLength(1);
  });

  it('cannot hide two functions of one name: the assembler refuses the second', () => {
    expect(() => assembleWat('(module (func $f) (func $f))')).toThrow('wat: function $f defined twice');
  });
});

/**
 * Never run: the type check of this file fails if any line below a `@ts-expect-error` compiles.
 * Arguments are named, so none can slip into another's position; what is left to get wrong is
 * a name, and that is a type error.
 */
export function callsThatDoNotCompile(x: number, n: number): unknown[] {
  return [
    // @ts-expect-error a missing argument (n)
    call.unary_relu({ x, out: x }),
    // @ts-expect-error a misspelt argument (source for src)
    call.addInto({ dst: x, source: x, count: n }),
    // @ts-expect-error one kernel's arguments given to another (col2im's dcols and dx to im2col)
    call.im2col({ dcols: x, ld: n, chans: n, h: n, w: n, kh: n, kw: n, sh: n, sw: n, pt: n, pl: n, oh: n, ow: n, dx: x }),
    // @ts-expect-error an extra argument (addInto has no n)
    call.addInto({ dst: x, src: x, count: n, n }),
    // @ts-expect-error arguments by position
    call.addInto([x, x, n]),
    // @ts-expect-error a call written as a literal instead of built
    ((calls: KernelCall[]) => calls)([{ kernel: 'addInto', index: 0, args: [x, x, n] }]),
    // @ts-expect-error a kernel no table declares
    call.addTo({ dst: x, src: x, count: n }),
    // @ts-expect-error the derived export type: addInto takes three numbers
    kernels.addInto(x, x),
  ];
}
