/**
 * The kernels' WebAssembly module, from the families' tables: its text, the type of its exports,
 * the export names in the order of the worker protocol, and `call`, the named-argument builders
 * of kernel calls (`call.transposeMatrix({ src, rows, cols, ld, dst })`).
 *
 * To add a kernel, add an entry to its family's table (`<family>_wat.ts`); to add a family, add its
 * table here. Nothing else lists kernels.
 */
import { convKernels } from './conv_wat.js';
import { elementwiseKernels } from './elementwise_wat.js';
import { gemmKernels } from './gemm_wat.js';
import { callBuilders, kernelNamesOf, moduleWat, type KernelFunctions, type WatOptions } from './kernel_table.js';
import { optimKernels } from './optim_wat.js';
import { poolKernels } from './pool_wat.js';
import { reduceKernels } from './reduce_wat.js';
import { regionKernels } from './region_wat.js';
import { transposeKernels } from './transpose_wat.js';
import { winogradKernels } from './winograd_wat.js';

/** Every family's kernels: the module's exports (names are unique across families, as a test checks). */
export const kernelTable = { ...gemmKernels, ...convKernels, ...poolKernels, ...reduceKernels, ...transposeKernels, ...elementwiseKernels, ...winogradKernels, ...regionKernels, ...optimKernels };

/** The module's exports; pointers are byte addresses, everything else counts elements. */
export type KernelExports = KernelFunctions<typeof kernelTable>;

export type KernelName = keyof KernelExports;

/** Export names in a fixed order: a call crosses to a worker as (index, argument count, arguments). */
export const kernelNames = kernelNamesOf(kernelTable);

/** Calls of the kernels by named arguments, e.g. `call.addInto({ dst, src, count })`. */
export const call = callBuilders(kernelTable);

/** The module text, its GEMM with or without fused multiply-add, importing a shared memory of at most `maxPages` pages. */
export const kernelsWat = (options: WatOptions, maxPages: number): string => moduleWat(kernelTable, options, maxPages);
