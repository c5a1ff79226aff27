/**
 * The WebAssembly kernels on one shared memory: the module (assembled once from the families'
 * tables, see `kernel_module.ts`), the arena that holds storage and scratch, and calls that run on
 * this thread or on the worker threads (see `threads.ts`), which instantiate the same module on
 * the same memory.
 */
import { platform } from '#platform';
import { ALIGN, Arena, ArenaFullError, type ArenaStats } from './arena.js';
import { assembleWat } from './assembler.js';
import { kernelNames, kernelsWat, type KernelExports } from './kernel_module.js';
import { enableRelaxedSimd, fmaAllowed } from './relaxed_simd.js';
import type { KernelCall } from './kernel_table.js';

/** A compiled module (opaque here; workers receive it to instantiate on the shared memory). */
export interface WasmModule {
  readonly __wasmModuleBrand?: never;
}

/** A shared WebAssembly memory. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}

/**
 * The part of the `WebAssembly` global used here, typed locally: TypeScript declares it only in
 * the DOM library, which a Node package should not pull in.
 */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  readonly Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => { readonly exports: object };
  validate(bytes: Uint8Array): boolean;
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
/** Most pages a 32-bit WebAssembly memory can have (4 GiB). */
const WASM32_PAGES = 65536;
/** Bytes reserved at address 0 for the threads' control block and call lists (see `threads.ts`). */
export const CONTROL_BYTES = 256 * 1024;
/** Most worker threads the backend starts. */
export const MAX_WORKERS = 15;
/** Storage and scratch start after the control block. */
const ARENA_BASE = CONTROL_BYTES;

/**
 * The most memory the backend may use, in MiB: `TAPEGRAD_CPU_MEMORY_LIMIT`, else (and at most)
 * 4096, all that 32-bit WebAssembly addresses reach. Only what is used is committed.
 */
export const memoryLimitMiB = configuredLimitMiB();

function configuredLimitMiB(): number {
  const most = (WASM32_PAGES * PAGE) / 2 ** 20;
  const text = platform.env('TAPEGRAD_CPU_MEMORY_LIMIT');
  if (text === undefined || text === '') return most;
  const mib = Number(text);
  if (!Number.isInteger(mib) || mib < 16 || mib > most) throw new Error(`TAPEGRAD_CPU_MEMORY_LIMIT must be a whole number of MiB from 16 to ${most}, got '${text}'`);
  return mib;
}

/**
 * Whether the GEMM uses relaxed SIMD's fused multiply-add: unless `TAPEGRAD_CPU_FMA=0`, relaxed
 * SIMD is switched on (see `relaxed_simd.ts`) and used where the engine validates it.
 */
export const fusedMultiplyAdd = fmaAllowed() && (enableRelaxedSimd(), wasm.validate(assembleWat('(module (func $probe (param $v v128) (result v128) local.get $v local.get $v local.get $v f32x4.relaxed_madd))')));

const maxPages = (memoryLimitMiB * 2 ** 20) / PAGE;
export const wasmModule = new wasm.Module(assembleWat(kernelsWat({ fusedMultiplyAdd }, maxPages)));
export const memory = new wasm.Memory({ initial: Math.min(maxPages, ARENA_BASE / PAGE + 256), maximum: maxPages, shared: true });
const instance = new wasm.Instance(wasmModule, { env: { memory } });
export const kernels = instance.exports as unknown as KernelExports;
/** The exports by kernel number (`KernelCall.index`), as the workers hold them. */
const kernelFunctions = kernelNames.map((name) => kernels[name] as (...args: readonly number[]) => void);

/** Runs one call on this thread. */
export function runCall(call: KernelCall): void {
  kernelFunctions[call.index](...call.args);
}

/**
 * The backend's storage and every kernel's scratch live in the shared memory, in one best-fit
 * arena that merges freed neighbours (see `arena.ts`); the memory keeps its peak size.
 */
const arena = new Arena(ARENA_BASE, memoryLimitMiB * 2 ** 20, (end) => {
  const size = memory.buffer.byteLength;
  if (end > size) memory.grow(Math.ceil((end - size) / PAGE));
});
let heap = new Float32Array(memory.buffer);
let heapInt32 = new Int32Array(memory.buffer);

/**
 * Bytes of a block for `floats` float32 values: a 64-byte multiple plus 64 bytes of slack, which
 * vector loops may run into (up to 3 floats past the end) and the GEMM may read (up to NR-1).
 */
function blockBytes(floats: number): number {
  return Math.ceil((floats * 4) / ALIGN) * ALIGN + ALIGN;
}

const formatMiB = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

/**
 * Reserves a block for `floats` float32 values (contents arbitrary); returns its byte address.
 * @throws when it does not fit under the memory limit, saying what to change.
 */
export function malloc(floats: number): number {
  try {
    return arena.alloc(blockBytes(floats));
  } catch (error) {
    if (!(error instanceof ArenaFullError)) throw error;
    const raise = memoryLimitMiB < (WASM32_PAGES * PAGE) / 2 ** 20 ? ', or raise TAPEGRAD_CPU_MEMORY_LIMIT (MiB, at most 4096)' : '';
    throw new Error(`cpu backend: out of memory: ${formatMiB(error.requested)} more needed with ${formatMiB(error.inUse)} in use, at most ${formatMiB(error.limit)}; use a smaller batch (--batch-size)${raise}`);
  }
}

/** Returns a block from `malloc(floats)`. */
export function free(at: number, floats: number): void {
  arena.release(at, blockBytes(floats));
}

/** The arena's bytes in use, top and high-water mark (tests and tools). */
export function arenaStats(): ArenaStats {
  return arena.stats();
}

/** Starts a new arena high-water mark at the current top. */
export function resetArenaHighWater(): void {
  arena.resetHighWater();
}

/** The `floats` values at byte address `at`, as a view (valid until the block is freed). */
export function view(at: number, floats: number): Float32Array {
  if (heap.length * 4 < at + floats * 4) heap = new Float32Array(memory.buffer);
  return heap.subarray(at / 4, at / 4 + floats);
}

/** The `count` int32 values at byte address `at`, as a view. */
export function viewInt32(at: number, count: number): Int32Array {
  if (heapInt32.length * 4 < at + count * 4) heapInt32 = new Int32Array(memory.buffer);
  return heapInt32.subarray(at / 4, at / 4 + count);
}

/** Scratch for one op: blocks that go back to the allocator when the next op begins. */
export class Workspace {
  private readonly blocks: [number, number][] = [];

  /** A scratch block for `floats` float32 values; returns its byte address. */
  alloc(floats: number): number {
    const at = malloc(floats);
    this.blocks.push([at, floats]);
    return at;
  }

  /** Frees every block. */
  release(): void {
    for (const [at, floats] of this.blocks) free(at, floats);
    this.blocks.length = 0;
  }
}

const theWorkspace = new Workspace();

/** Starts an op's scratch, releasing the previous op's. */
export function workspace(): Workspace {
  theWorkspace.release();
  return theWorkspace;
}
