/**
 * The optimizer family: one pass over a parameter writes its new value and state, four floats at a
 * time (`adamUpdate`, `sgdUpdate`). Each f32x4 operation rounds as the scalar float32 operation
 * does, in the order `Backend.adamUpdate` and `Backend.sgdUpdate` give, so the result equals the
 * update written op by op (elementwise kernels, float32) bit for bit. The float32 constants wait at
 * `consts` in the order of `ADAM_CONSTS` / `SGD_CONSTS` and are splat once; flags pick one loop
 * per variant outside the loop. The last vector may run up to 3 floats into every block's slack.
 */
import type { AdamUpdateInfo, SgdUpdateInfo } from '@tapegrad/core';
import type { KernelTable } from './kernel_table.js';

/** Adam's constants as laid out at `consts`, one float each. */
export const ADAM_CONSTS = ['weightDecay', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'biasCorrection2Sqrt', 'eps', 'negStepSize'] as const satisfies readonly (keyof AdamUpdateInfo)[];

/** SGD's constants as laid out at `consts`, one float each. */
export const SGD_CONSTS = ['weightDecay', 'momentum', 'oneMinusDampening', 'negLr'] as const satisfies readonly (keyof SgdUpdateInfo)[];

/** Loads each constant into its own splat local, `$<name>`. */
const splats = (names: readonly string[]): string => names.map((name, i) => `local.get $consts v128.load32_splat offset=${4 * i} local.set $${name}`).join('\n    ');

/** Advances each pointer by one vector. */
const advance = (pointers: readonly string[]): string => pointers.map((p) => `local.get $${p} i32.const 16 i32.add local.set $${p}`).join('\n        ');

/** `if flag then ... else ... end` around two instruction texts. */
const branch = (flag: string, then: string, otherwise: string): string => `local.get $${flag}\n    if ${then}\n    else ${otherwise}\n    end`;

/** The gradient with its L2 term on the stack: `g[i] + p[i] wd` (or `g[i]`). */
const decayedGradient = (decay: boolean): string => `local.get $g v128.load align=4${decay ? ' local.get $p v128.load align=4 local.get $weightDecay f32x4.mul f32x4.add' : ''}`;

/** Adam's loop for one (weight decay, AMSGrad) variant. */
function adamLoop(decay: boolean, amsgrad: boolean): string {
  return `
      loop $vec
        ;; gi = g[i] + p[i] wd; m'[i] = m[i] b1 + gi (1 - b1); v'[i] = v[i] b2 + (gi (1 - b2)) gi
        ${decayedGradient(decay)} local.set $gi
        local.get $mOut local.get $m v128.load align=4 local.get $beta1 f32x4.mul local.get $gi local.get $oneMinusBeta1 f32x4.mul f32x4.add local.tee $mi v128.store align=4
        local.get $vOut local.get $v v128.load align=4 local.get $beta2 f32x4.mul
        local.get $gi local.get $oneMinusBeta2 f32x4.mul local.get $gi f32x4.mul f32x4.add local.tee $vi v128.store align=4
        ${amsgrad ? `;; vmax'[i] = max(vmax[i], v'[i]), NaN when either is; it stands for v'[i] below
        local.get $vmaxOut local.get $vmax v128.load align=4 local.get $vi f32x4.max local.tee $vi v128.store align=4
        ${advance(['vmax', 'vmaxOut'])}` : ''}
        ;; p'[i] = p[i] + (m'[i] s) / (sqrt(v'[i]) / c2 + eps)
        local.get $pOut local.get $p v128.load align=4
        local.get $mi local.get $negStepSize f32x4.mul
        local.get $vi f32x4.sqrt local.get $biasCorrection2Sqrt f32x4.div local.get $eps f32x4.add
        f32x4.div f32x4.add v128.store align=4
        ${advance(['g', 'm', 'v', 'pOut', 'mOut', 'vOut'])}
        local.get $p i32.const 16 i32.add local.tee $p local.get $end i32.lt_u br_if $vec
      end`;
}

/** SGD's loop for one variant; `mode` 0: no momentum, 1: the first step (buf' = d), 2: later steps. */
function sgdLoop(decay: boolean, mode: 0 | 1 | 2, nesterov: boolean): string {
  const buffer = mode === 0 ? '' : `
        ;; buf'[i] = ${mode === 1 ? 'd' : 'buf[i] mu + d (1 - dampening)'}; d = ${nesterov ? "d + buf'[i] mu" : "buf'[i]"}
        local.get $bOut ${mode === 1 ? 'local.get $d' : 'local.get $b v128.load align=4 local.get $momentum f32x4.mul local.get $d local.get $oneMinusDampening f32x4.mul f32x4.add'}
        local.tee $bn v128.store align=4
        ${nesterov ? 'local.get $d local.get $bn local.get $momentum f32x4.mul f32x4.add' : 'local.get $bn'} local.set $d
        ${advance(mode === 1 ? ['bOut'] : ['b', 'bOut'])}`;
  return `
      loop $vec
        ;; d = g[i] + p[i] wd
        ${decayedGradient(decay)} local.set $d${buffer}
        ;; p'[i] = p[i] + d (-lr)
        local.get $pOut local.get $p v128.load align=4 local.get $d local.get $negLr f32x4.mul f32x4.add v128.store align=4
        ${advance(['g', 'pOut'])}
        local.get $p i32.const 16 i32.add local.tee $p local.get $end i32.lt_u br_if $vec
      end`;
}

/** The optimizer family's exports; `n` must be at least 1. */
export const optimKernels = {
  adamUpdate: {
    params: ['p', 'g', 'm', 'v', 'vmax', 'pOut', 'mOut', 'vOut', 'vmaxOut', 'consts', 'n', 'decay', 'amsgrad'] as const,
    wat: `
    (local $end i32) (local $gi v128) (local $mi v128) (local $vi v128) ${ADAM_CONSTS.map((name) => `(local $${name} v128)`).join(' ')}
    ${splats(ADAM_CONSTS)}
    local.get $p local.get $n i32.const 2 i32.shl i32.add local.set $end
    ${branch('decay', branch('amsgrad', adamLoop(true, true), adamLoop(true, false)), branch('amsgrad', adamLoop(false, true), adamLoop(false, false)))}`,
  },
  sgdUpdate: {
    params: ['p', 'g', 'b', 'pOut', 'bOut', 'consts', 'n', 'decay', 'withMomentum', 'first', 'nesterov'] as const,
    wat: (() => {
      const withNesterov = (decay: boolean, mode: 1 | 2): string => branch('nesterov', sgdLoop(decay, mode, true), sgdLoop(decay, mode, false));
      const variants = (decay: boolean): string => branch('withMomentum', branch('first', withNesterov(decay, 1), withNesterov(decay, 2)), sgdLoop(decay, 0, false));
      return `
    (local $end i32) (local $d v128) (local $bn v128) ${SGD_CONSTS.map((name) => `(local $${name} v128)`).join(' ')}
    ${splats(SGD_CONSTS)}
    local.get $p local.get $n i32.const 2 i32.shl i32.add local.set $end
    ${branch('decay', variants(true), variants(false))}`;
    })(),
  },
} satisfies KernelTable;
