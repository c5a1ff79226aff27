/** Reverse-mode differentiation over the recorded graph: `backward`, `grad`, `valueAndGrad`. */
import { composite, keep, noGrad, tidy } from './engine.js';
import { formatShape, shapesEqual } from './shape.js';
import { Tensor } from './tensor.js';
import { add, fullOn } from './ops/index.js';
import { assertTensor, describeValue } from './validate.js';

/** Tensors reachable from `root` through recorded nodes, each after everything that consumes it. */
function reverseTopologicalOrder(root: Tensor): Tensor[] {
  const visited = new Set<Tensor>();
  const postOrder: Tensor[] = [];
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [t, expanded] = stack.pop() as [Tensor, boolean];
    if (expanded) {
      postOrder.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    for (const input of t.node?.inputs ?? []) if (input.requiresGrad && !visited.has(input)) stack.push([input, false]);
  }
  return postOrder.reverse();
}

function assertBackwardable(root: Tensor, seed: Tensor | undefined): void {
  root.assertLive('backward');
  if (root.graphFreed) {
    throw new Error(`backward: the graph behind tensor ${formatShape(root.shape)} was already freed by an earlier backward(); recompute the forward pass`);
  }
  if (!root.requiresGrad) {
    throw new Error(`backward: tensor ${formatShape(root.shape)} does not require grad (no input requires grad, or it was computed under noGrad)`);
  }
  if (seed) {
    seed.assertLive('backward');
    if (!shapesEqual(seed.shape, root.shape)) throw new Error(`backward: seed ${formatShape(seed.shape)} must have the output's shape ${formatShape(root.shape)}`);
  } else if (root.size !== 1) {
    throw new Error(`backward: output ${formatShape(root.shape)} is not a scalar; pass a seed gradient of shape ${formatShape(root.shape)}`);
  }
}

/** Receives d(root)/d(leaf) for each leaf reached; the gradient tensor is the receiver's to keep. */
type LeafSink = (leaf: Tensor, gradient: Tensor) => void;

/** Accumulates into `.grad` (PyTorch semantics: gradients add up across calls until zeroed). */
const accumulateIntoGrad: LeafSink = (leaf, g) => {
  const previous = leaf.grad;
  leaf.grad = keep(previous ? add(previous, g) : g.detach());
  previous?.dispose();
};

/**
 * Accumulates d(root)/d(leaf) into the `.grad` of every leaf that requires grad (PyTorch semantics:
 * gradients add up across calls until zeroed). Frees the graph afterwards.
 */
export function backward(root: Tensor, seed?: Tensor): void {
  propagate(root, seed, accumulateIntoGrad);
}

/** Runs the backward pass from `root`, handing each reached leaf's gradient to `sink`. */
function propagate(root: Tensor, seed: Tensor | undefined, sink: LeafSink): void {
  assertBackwardable(root, seed);
  const order = reverseTopologicalOrder(root);
  // An intermediate whose node an earlier backward() consumed would otherwise pass for a leaf.
  const freed = order.find((t) => t.graphFreed && !t.node);
  if (freed) {
    throw new Error(`backward: the graph behind tensor ${formatShape(freed.shape)} (id ${freed.id}), an input of this output's graph, was already freed by an earlier backward(); recompute the forward pass`);
  }
  noGrad(() => tidy(() => {
    const pending = new Map<Tensor, Tensor>();
    pending.set(root, seed ?? fullOn(root.shape, 1, root.backend));
    const isPending = (g: Tensor): boolean => [...pending.values()].includes(g);
    for (const t of order) {
      const g = pending.get(t);
      pending.delete(t);
      const node = t.node;
      if (node) {
        t.node = null;
        t.graphFreed = true;
      }
      if (g && node) {
        for (const input of node.inputs) input.assertLive(`backward through ${node.op}`);
        const inputGrads = tidy(() => node.backward(g));
        node.inputs.forEach((input, i) => {
          const gi = inputGrads[i];
          if (!gi || !input.requiresGrad) return;
          if (!shapesEqual(gi.shape, input.shape)) {
            throw new Error(`backward: gradient of ${node.op} for input ${i} has shape ${formatShape(gi.shape)}, expected ${formatShape(input.shape)}`);
          }
          const previous = pending.get(input);
          pending.set(input, previous ? add(previous, gi) : gi);
        });
        if (g !== seed && !isPending(g)) g.dispose();
      } else if (g) {
        sink(t, g);
      }
      // The node is consumed: what it held is freed now if its owner released it.
      if (node) {
        for (const input of node.inputs) input.dropGraphRef(true);
        t.freeIfReleased();
      }
    }
  }));
}

/** Gradients of `f` with respect to each argument, leaving the arguments' `.grad` untouched. */
export function grad(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor[] {
  const run = valueAndGradOf('grad', f);
  return (...xs) => {
    const { value, grads } = run(...xs);
    value.dispose();
    return grads;
  };
}

/**
 * The value of `f` and its gradients with respect to each argument. `f` must return a scalar. As
 * `torch.autograd.grad`, it touches no `.grad`, neither the arguments' nor any other tensor's.
 * Tensors `f` creates other than its value are freed once backward has used them (keep none).
 */
export function valueAndGrad(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return valueAndGradOf('valueAndGrad', f);
}

/** `valueAndGrad`, with `op` (the function the user called) naming it in errors. */
function valueAndGradOf(op: string, f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  if (typeof f !== 'function') throw new Error(`${op}: f must be a function, got ${describeValue(f)}`);
  return (...xs) => {
    xs.forEach((x, i) => {
      assertTensor(op, `argument ${i}`, x);
      x.assertLive(op);
    });
    const leaves = xs.map((x) => {
      const leaf = x.detach();
      leaf.requiresGrad = true;
      return leaf;
    });
    let value: Tensor;
    try {
      // The tensors f creates besides its value are released: backward frees them as it goes.
      value = composite(() => {
        const out: unknown = f(...leaves);
        if (!(out instanceof Tensor)) throw new Error(`${op}: f must return a scalar Tensor, got ${describeValue(out)}`);
        return out;
      });
      if (value.size !== 1) throw new Error(`${op}: f must return a scalar, got ${formatShape(value.shape)}`);
    } catch (error) {
      for (const leaf of leaves) leaf.dispose();
      throw error;
    }
    const found = new Map<Tensor, Tensor>();
    propagate(value, undefined, (leaf, g) => {
      if (leaves.includes(leaf)) found.set(leaf, keep(g.detach()));
    });
    const grads = leaves.map((leaf) => found.get(leaf) ?? fullOn(leaf.shape, 0, leaf.backend));
    for (const leaf of leaves) leaf.dispose();
    return { value, grads };
  };
}
