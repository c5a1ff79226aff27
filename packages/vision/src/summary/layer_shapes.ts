/** Each layer's output shape for a one-image input: the chapter's lines, and torchinfo's table. */
import { formatShape, noGrad, tidy, zeros, type Tensor } from '@tapegrad/core';
import type { Module, Sequential } from '@tapegrad/nn';
import { inEvalMode } from './eval_mode.js';

/** One top-level layer and the shape it outputs. */
export interface LayerShape {
  /** The layer's name in the `Sequential` (`'0'`, `'1'`, ...). */
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * Runs a zero input of `inputShape` (e.g. `[1, 1, 224, 224]`) through `net`'s top-level layers
 * one at a time, in evaluation mode and without recording, and returns each output's shape.
 * The model's training mode is restored afterwards; no tensor outlives the call.
 * @throws the first layer's error when the input does not fit (e.g. too small for a kernel)
 */
export function layerShapes(net: Sequential, inputShape: readonly number[]): LayerShape[] {
  const shapes: LayerShape[] = [];
  inEvalMode(net, () => noGrad(() => tidy(() => {
    let x = zeros(inputShape);
    for (const [name, layer] of net.namedChildren()) {
      x = layer.forward(x);
      shapes.push({ name, shape: [...x.shape] });
    }
  })));
  return shapes;
}

/** The chapter's summary lines: `0 output shape: [1, 96, 54, 54]`, one per layer. */
export function formatLayerShapes(shapes: readonly LayerShape[]): string[] {
  return shapes.map(({ name, shape }) => `${name} output shape: ${formatShape(shape)}`);
}

/** One row of `layerTable`: a module, what it outputs and how many parameters it holds. */
export interface LayerRow {
  /** The module's state-dict prefix (`'0'`, `'0.1'`, ...). */
  readonly name: string;
  /** Its class (`'Conv2d'`, `'Sequential'`, ...). */
  readonly type: string;
  /** 0 for the network's own layers, 1 for the layers inside them, and so on. */
  readonly depth: number;
  readonly shape: readonly number[];
  /** Parameters of the module and everything inside it. */
  readonly params: number;
  /** Those of `params` that are trained (`requiresGrad`). */
  readonly trainable: number;
  /** Whether the rows after it (one level deeper) are its layers. */
  readonly container: boolean;
}

/**
 * The layers of `net` as torchinfo lists them: each of its layers and, below each `Sequential`,
 * the layers inside, with the output shape for a zero input of `inputShape` (e.g.
 * `[1, 1, 224, 224]`) and the parameter count. Runs in evaluation mode without recording, as
 * `layerShapes`.
 * @throws the first layer's error when the input does not fit
 */
export function layerTable(net: Sequential, inputShape: readonly number[]): LayerRow[] {
  const rows: LayerRow[] = [];
  const count = (module: Module, trainedOnly = false): number =>
    module.parameters().reduce((sum, p) => sum + (trainedOnly && !p.requiresGrad ? 0 : p.size), 0);
  const visit = (name: string, module: Module, depth: number, x: Tensor): Tensor => {
    const children = module.namedChildren();
    if (children.length === 0) {
      const y = module.forward(x);
      rows.push({ name, type: module.constructor.name, depth, shape: [...y.shape], params: count(module), trainable: count(module, true), container: false });
      return y;
    }
    const at = rows.length;
    rows.push({ name, type: module.constructor.name, depth, shape: [], params: count(module), trainable: count(module, true), container: true });
    const y = children.reduce((input, [child, layer]) => visit(`${name}.${child}`, layer, depth + 1, input), x);
    rows[at] = { ...rows[at], shape: [...y.shape] };
    return y;
  };
  inEvalMode(net, () => noGrad(() => tidy(() => {
    net.namedChildren().reduce((x, [name, layer]) => visit(name, layer, 0, x), zeros(inputShape));
  })));
  return rows;
}
