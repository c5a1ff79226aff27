/**
 * Kernel tables: each family of WebAssembly kernels (`gemm_wat.ts`, `conv_wat.ts`, ...) declares
 * its exports once, as a table from export name to parameters and text, and the rest is derived
 * from the tables: the module text (each export's header written from its parameters), the type of
 * the instantiated exports, the ordered names of the worker protocol, and call builders that take
 * the arguments by name, so that a missing, misspelt or foreign argument is a type error.
 */

/** What a module's text may depend on. */
export interface WatOptions {
  /** Use relaxed SIMD's `f32x4.relaxed_madd` (see `runtime.ts`). */
  readonly fusedMultiplyAdd: boolean;
}

/** WebAssembly text, fixed or depending on the options. */
export type WatText = string | ((options: WatOptions) => string);

/** One exported kernel. */
export interface KernelSpec {
  /**
   * Its parameters in call order, each an i32: byte addresses in the shared memory, everything
   * else counts and strides in float32 elements, or flags (0 or 1).
   */
  readonly params: readonly string[];
  /** Its text after the parameters: `(local ...)` declarations, then flat instructions reading the parameters as `$name`. */
  readonly wat: string;
  /** Functions it calls that the module does not export, each a whole `(func $name ...)`; one shared by several kernels is emitted once. */
  readonly helpers?: readonly WatText[];
}

/** A family's kernels by export name. */
export type KernelTable = Readonly<Record<string, KernelSpec>>;

/** One number per parameter, in order. */
type NumberPerParam<P extends readonly string[]> = { -readonly [I in keyof P]: number };

/** The exports of a module built from table `T`: one function per kernel, one number per parameter. */
export type KernelFunctions<T extends KernelTable> = { readonly [K in keyof T]: (...args: NumberPerParam<T[K]['params']>) => void };

/** A kernel's arguments by parameter name. */
export type KernelArgs<S extends KernelSpec> = { readonly [P in S['params'][number]]: number };

/** Only `callBuilders` makes a `KernelCall` (so its arguments are in declared order). */
declare const builtFromTable: unique symbol;

/** One kernel invocation, runnable on any thread. */
export interface KernelCall {
  /** The kernel's export name. */
  readonly kernel: string;
  /** Its position in the table (the worker protocol's kernel number). */
  readonly index: number;
  /** The arguments in declared order. */
  readonly args: readonly number[];
  readonly [builtFromTable]: true;
}

/** For each kernel of `T`, a function from its named arguments to a call. */
export type CallBuilders<T extends KernelTable> = { readonly [K in keyof T]: (args: KernelArgs<T[K]>) => KernelCall };

/** The export names of `table` in order: a call crosses to a worker as its index here. */
export function kernelNamesOf<T extends KernelTable>(table: T): readonly (keyof T & string)[] {
  return Object.keys(table);
}

/** Builders of calls to `table`'s kernels, numbered as `kernelNamesOf(table)`. */
export function callBuilders<T extends KernelTable>(table: T): CallBuilders<T> {
  const builders = kernelNamesOf(table).map((kernel, index) => {
    const { params } = table[kernel];
    return [kernel, (args: Readonly<Record<string, number>>) => ({ kernel, index, args: params.map((name) => args[name]) }) as unknown as KernelCall];
  });
  return Object.fromEntries(builders) as CallBuilders<T>;
}

const watText = (text: WatText, options: WatOptions): string => (typeof text === 'string' ? text : text(options));

/**
 * The module text of `table`'s kernels, importing a shared memory of at most `maxPages` pages:
 * each kernel after the helpers it needs that are not yet in, its header written from its parameters.
 */
export function moduleWat(table: KernelTable, options: WatOptions, maxPages: number): string {
  const emitted = new Set<WatText>();
  const funcs: string[] = [];
  for (const [name, { params, wat, helpers = [] }] of Object.entries(table)) {
    for (const helper of helpers) {
      if (!emitted.has(helper)) funcs.push(watText(helper, options));
      emitted.add(helper);
    }
    funcs.push(`
  (func $${name} (export "${name}") ${params.map((param) => `(param $${param} i32)`).join(' ')}${wat}
  )`);
  }
  return `
(module
  (import "env" "memory" (memory 1 ${maxPages} shared))
  ${funcs.join('\n')}
)
`;
}
