/** The single path every op takes: validate inputs, run a kernel, record the autograd node. */
import type { Backend, DataId } from '../backend.js';
import { getBackend, isGradEnabled } from '../engine.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Computes the gradients of an op's inputs from the gradient of its output `dy`. */
export type GradientFn = (dy: Tensor, out: Tensor) => (Tensor | null)[];

/** Checks that every input is live and that all live on one backend; returns that backend. */
export function backendOf(op: string, inputs: readonly Tensor[]): Backend {
  for (const input of inputs) input.assertLive(op);
  const backend = inputs[0]?.backend ?? getBackend();
  for (const input of inputs) {
    if (input.backend !== backend) {
      throw new Error(`${op}: inputs live on different backends ('${backend.name}' and '${input.backend.name}')`);
    }
  }
  return backend;
}

/**
 * Runs `kernel` on the inputs' backend and wraps the result as a tensor of `outShape`. When grad
 * mode is on and some input requires grad, records `gradient` for `backward()`.
 */
export function runOp(op: string, inputs: readonly Tensor[], outShape: Shape, kernel: (backend: Backend) => DataId, gradient?: GradientFn): Tensor {
  const backend = backendOf(op, inputs);
  const out = new Tensor(kernel(backend), outShape, backend);
  if (gradient && isGradEnabled() && inputs.some((input) => input.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward: (dy) => gradient(dy, out) };
    // The node holds its inputs until backward consumes it or its output is disposed.
    for (const input of inputs) input.graphRefs++;
  }
  return out;
}

/** Wraps backend storage as a tensor with no autograd history. */
export function fromDataId(dataId: DataId, shape: Shape, backend: Backend): Tensor {
  return new Tensor(dataId, shape, backend);
}
