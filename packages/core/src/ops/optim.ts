/**
 * Fused optimizer updates: one Adam or SGD step of one parameter as one kernel, equal to the same
 * update written op by op (torch 1.13's single-tensor order, every operation rounded to float32).
 * The hyper-parameters become float32 constants here, once, as a number operand of an op would.
 */
import type { AdamMoments, AdamUpdated, AdamUpdateInfo, Backend, DataId, SgdUpdated, SgdUpdateInfo } from '../backend.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, checkKnownOptions, describeValue } from '../validate.js';
import { backendOf, fromDataId } from './op.js';

export type { AdamMoments, AdamUpdated, AdamUpdateInfo, SgdUpdated, SgdUpdateInfo } from '../backend.js';

/** The hyper-parameters of one `adamUpdate`. */
export interface AdamUpdateOptions {
  /** Learning rate. */
  readonly lr: number;
  /** Decay rates of the first and second moment averages. */
  readonly betas: readonly [number, number];
  /** Added to the denominator. */
  readonly eps: number;
  /** L2 penalty added to the gradient (Adam's; AdamW decays the parameter itself first); default 0. */
  readonly weightDecay?: number;
  /** The parameter's step count including this step, from 1 (for the bias corrections). */
  readonly step: number;
}

/** The hyper-parameters of one `sgdUpdate`. */
export interface SgdUpdateOptions {
  /** Learning rate. */
  readonly lr: number;
  /** Momentum factor; default 0 (no buffer). */
  readonly momentum?: number;
  /** Dampening of the momentum; default 0. */
  readonly dampening?: number;
  /** Nesterov momentum; default false. */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient; default 0. */
  readonly weightDecay?: number;
}

const ADAM_OPTIONS = ['lr', 'betas', 'eps', 'weightDecay', 'step'] as const satisfies readonly (keyof AdamUpdateOptions)[];
const SGD_OPTIONS = ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay'] as const satisfies readonly (keyof SgdUpdateOptions)[];

/** `value` (or `fallback` when undefined), checked to be a finite number. */
function finite(op: string, name: string, value: unknown, fallback?: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${op}: ${name} must be a finite number, got ${describeValue(v)}`);
  return v;
}

/**
 * Checks that `named` are live tensors of `param`'s shape on its backend (a null state entry is
 * skipped); returns that backend.
 */
function checkOperands(op: string, named: readonly (readonly [string, Tensor | null])[]): Backend {
  const present: Tensor[] = [];
  for (const [name, t] of named) {
    if (t === null) continue;
    assertTensor(op, name, t);
    present.push(t);
  }
  const backend = backendOf(op, present);
  const [[, param]] = named as readonly (readonly [string, Tensor])[];
  for (const [name, t] of named) {
    if (t !== null && !shapesEqual(t.shape, param.shape)) {
      throw new Error(`${op}: ${name} is ${formatShape(t.shape)} but param is ${formatShape(param.shape)}`);
    }
  }
  return backend;
}

/** Wraps a kernel's output storage as a tensor of `param`'s shape (unrecorded). */
function wrap(id: DataId, param: Tensor, backend: Backend): Tensor {
  return fromDataId(id, param.shape, backend);
}

/**
 * One Adam step of `param` (any shape) from `grad`, as `torch.optim.Adam` (1.13, single-tensor
 * path) computes it, in one kernel: `g = grad + weightDecay * param`; `m = b1 m + (1 - b1) g`;
 * `v = b2 v + (1 - b2) g g`; with `state.maxExpAvgSq` (AMSGrad) `vmax = max(vmax, v)` replaces `v`
 * below; `param - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. Returns new tensors
 * (the inputs are left alone), unrecorded: an optimizer `assign`s them to its parameter and state.
 * Equals the update written with `add`, `mul`, `div`, `sqrt` and `maximum` bit for bit on the CPU.
 *
 * @example
 * const next = adamUpdate(w, w.grad, { expAvg, expAvgSq, maxExpAvgSq: null }, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, step: 1 });
 * w.assign(next.param); expAvg.assign(next.expAvg); expAvgSq.assign(next.expAvgSq);
 * @throws naming the tensor or option when a shape differs, a tensor is disposed or on another backend, or an option is missing or unknown.
 */
export function adamUpdate(param: Tensor, grad: Tensor, state: AdamMoments<Tensor>, options: AdamUpdateOptions): AdamUpdated<Tensor> {
  const op = 'adamUpdate';
  if (state === null || typeof state !== 'object') throw new Error(`${op}: state must be { expAvg, expAvgSq, maxExpAvgSq }, got ${describeValue(state)}`);
  checkKnownOptions(op, options, ADAM_OPTIONS);
  if (options === undefined) throw new Error(`${op}: options { lr, betas, eps, step } are required`);
  const lr = finite(op, 'lr', options.lr);
  const { betas } = options;
  if (!Array.isArray(betas) || betas.length !== 2) throw new Error(`${op}: betas must be a pair [beta1, beta2], got ${describeValue(betas)}`);
  const beta1 = finite(op, 'betas[0]', betas[0]);
  const beta2 = finite(op, 'betas[1]', betas[1]);
  const eps = finite(op, 'eps', options.eps);
  const weightDecay = finite(op, 'weightDecay', options.weightDecay, 0);
  const step = options.step;
  if (!Number.isInteger(step) || step < 1) throw new Error(`${op}: step must be an integer >= 1, got ${describeValue(step)}`);
  const maxExpAvgSq = state.maxExpAvgSq ?? null;
  const backend = checkOperands(op, [['param', param], ['grad', grad], ['state.expAvg', state.expAvg], ['state.expAvgSq', state.expAvgSq], ['state.maxExpAvgSq', maxExpAvgSq]]);
  // Bias corrections in float64, as PyTorch computes them on Python floats.
  const info: AdamUpdateInfo = {
    size: param.size,
    weightDecay: Math.fround(weightDecay),
    beta1: Math.fround(beta1),
    oneMinusBeta1: Math.fround(1 - beta1),
    beta2: Math.fround(beta2),
    oneMinusBeta2: Math.fround(1 - beta2),
    biasCorrection2Sqrt: Math.fround(Math.sqrt(1 - beta2 ** step)),
    eps: Math.fround(eps),
    negStepSize: Math.fround(-lr / (1 - beta1 ** step)),
  };
  const out = backend.adamUpdate(param.dataId, grad.dataId, {
    expAvg: state.expAvg.dataId, expAvgSq: state.expAvgSq.dataId, maxExpAvgSq: maxExpAvgSq ? maxExpAvgSq.dataId : null,
  }, info);
  return {
    param: wrap(out.param, param, backend),
    expAvg: wrap(out.expAvg, param, backend),
    expAvgSq: wrap(out.expAvgSq, param, backend),
    maxExpAvgSq: out.maxExpAvgSq ? wrap(out.maxExpAvgSq, param, backend) : null,
  };
}

/**
 * One SGD step of `param` (any shape) from `grad`, as `torch.optim.SGD` (1.13) computes it, in one
 * kernel: `d = grad + weightDecay * param`; with momentum, `buf = d` when `momentumBuffer` is null
 * (the first step), else `buf = momentum * buf + (1 - dampening) * d`, then `d = d + momentum * buf`
 * (Nesterov) or `d = buf`; `param - lr * d`. Returns new tensors (the buffer null without momentum),
 * unrecorded; equals the update written op by op bit for bit on the CPU.
 *
 * @example
 * const next = sgdUpdate(w, w.grad, buffer, { lr: 0.1, momentum: 0.9 });
 * w.assign(next.param);
 * @throws naming the tensor or option when a shape differs, a tensor is disposed or on another backend, or an option is missing or unknown.
 */
export function sgdUpdate(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, options: SgdUpdateOptions): SgdUpdated<Tensor> {
  const op = 'sgdUpdate';
  checkKnownOptions(op, options, SGD_OPTIONS);
  if (options === undefined) throw new Error(`${op}: options { lr } are required`);
  const lr = finite(op, 'lr', options.lr);
  const momentum = finite(op, 'momentum', options.momentum, 0);
  const dampening = finite(op, 'dampening', options.dampening, 0);
  const weightDecay = finite(op, 'weightDecay', options.weightDecay, 0);
  const nesterov = options.nesterov ?? false;
  if (typeof nesterov !== 'boolean') throw new Error(`${op}: nesterov must be a boolean, got ${describeValue(nesterov)}`);
  const buffer = momentumBuffer ?? null;
  if (buffer !== null && momentum === 0) throw new Error(`${op}: a momentum buffer was given but momentum is 0`);
  if (momentum !== 0 && Math.fround(momentum) === 0) throw new Error(`${op}: momentum ${momentum} is 0 in float32; use 0 or at least ${2 ** -149}`);
  const backend = checkOperands(op, [['param', param], ['grad', grad], ['momentumBuffer', buffer]]);
  const info: SgdUpdateInfo = {
    size: param.size,
    weightDecay: Math.fround(weightDecay),
    momentum: Math.fround(momentum),
    oneMinusDampening: Math.fround(1 - dampening),
    nesterov,
    negLr: Math.fround(-lr),
  };
  const out = backend.sgdUpdate(param.dataId, grad.dataId, buffer ? buffer.dataId : null, info);
  return { param: wrap(out.param, param, backend), momentumBuffer: out.momentumBuffer ? wrap(out.momentumBuffer, param, backend) : null };
}
