/**
 * The elementwise family: one kernel per op with an exact f32x4 form (the same result as the scalar
 * op rounded to float32), written from the op tables below: `unary_<op>` and `binary_<op>`. The
 * other ops run as TypeScript loops (see `kernels/elementwise.ts`).
 */
import type { KernelTable } from './kernel_table.js';

/** Unary ops: the instructions that map the vector v on the stack to op(v), with $zero and $one splats at hand. */
export const simdUnaryOps = {
  neg: 'f32x4.neg',
  sqrt: 'f32x4.sqrt',
  // (v < 0 ? 0 : v) + 0: NaN stays NaN, -0 becomes +0, as the scalar relu (one instruction each,
  // where f32x4.max's NaN and signed-zero rules cost V8 eight on x64).
  relu: 'local.get $zero f32x4.pmax local.get $zero f32x4.add',
  step: 'local.get $zero f32x4.gt local.get $one v128.and',
} as const;

/** Binary ops: the instructions that map (a, b) on the stack to op(a, b), with $zero and $one splats at hand. */
export const simdBinaryOps = {
  add: 'f32x4.add',
  sub: 'f32x4.sub',
  mul: 'f32x4.mul',
  div: 'f32x4.div',
  greater: 'f32x4.gt local.get $one v128.and',
  // ReLU's gradient from its output b: +0 where b <= 0, else a (PyTorch's threshold_backward: a NaN b passes a).
  reluBackprop: 'local.get $zero f32x4.le v128.andnot',
} as const;

export type SimdUnaryOp = keyof typeof simdUnaryOps;
export type SimdBinaryOp = keyof typeof simdBinaryOps;

/** One kernel per op of `ops`, named `<prefix><op>`, all with the parameters `params`. */
type OpKernels<Ops, Prefix extends string, Params extends readonly string[]> = {
  readonly [Op in keyof Ops & string as `${Prefix}${Op}`]: { readonly params: Params; readonly wat: string };
};

function opKernels<Ops extends Readonly<Record<string, string>>, Prefix extends string, Params extends readonly string[]>(
  ops: Ops, prefix: Prefix, params: Params, wat: (op: string) => string,
): OpKernels<Ops, Prefix, Params> {
  return Object.fromEntries(Object.entries(ops).map(([name, op]) => [`${prefix}${name}`, { params, wat: wat(op) }])) as OpKernels<Ops, Prefix, Params>;
}

/** `out[i] = op(x[i])` for i < n, four at a time; the last vector may run up to 3 floats into both blocks' slack. */
const unaryKernels = opKernels(simdUnaryOps, 'unary_', ['x', 'out', 'n'] as const, (op) => `
    (local $end i32) (local $zero v128) (local $one v128)
    f32.const 1 f32x4.splat local.set $one
    local.get $x local.get $n i32.const 2 i32.shl i32.add local.set $end
    loop $vec
      local.get $out local.get $x v128.load align=4 ${op} v128.store align=4
      local.get $out i32.const 16 i32.add local.set $out
      local.get $x i32.const 16 i32.add local.tee $x local.get $end i32.lt_u br_if $vec
    end`);

/**
 * `out[i] = op(a[aScalar ? 0 : i], b[bScalar ? 0 : i])` for i < n, four at a time, a scalar operand
 * splat once; one loop per (a, b) kind, each advancing only the full operands.
 */
const binaryKernels = opKernels(simdBinaryOps, 'binary_', ['a', 'aScalar', 'b', 'bScalar', 'out', 'n'] as const, (op) => {
  const loop = (aFull: boolean, bFull: boolean): string => `
      loop $vec
        local.get $out
        ${aFull ? 'local.get $a v128.load align=4' : 'local.get $va'}
        ${bFull ? 'local.get $b v128.load align=4' : 'local.get $vb'}
        ${op}
        v128.store align=4
        ${aFull ? 'local.get $a i32.const 16 i32.add local.set $a' : ''}
        ${bFull ? 'local.get $b i32.const 16 i32.add local.set $b' : ''}
        local.get $out i32.const 16 i32.add local.tee $out local.get $end i32.lt_u br_if $vec
      end`;
  return `
    (local $end i32) (local $va v128) (local $vb v128) (local $zero v128) (local $one v128)
    f32.const 1 f32x4.splat local.set $one
    local.get $a v128.load32_splat local.set $va
    local.get $b v128.load32_splat local.set $vb
    local.get $out local.get $n i32.const 2 i32.shl i32.add local.set $end
    local.get $aScalar
    if ${loop(false, true)}
    else
      local.get $bScalar
      if ${loop(true, false)}
      else ${loop(true, true)}
      end
    end`;
});

/** The elementwise family's exports. */
export const elementwiseKernels = { ...unaryKernels, ...binaryKernels } satisfies KernelTable;
