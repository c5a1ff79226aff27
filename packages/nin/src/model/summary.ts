/** Each top-level layer's output shape, as the chapter prints them for a one-image input. */
import { formatShape, noGrad, tidy, zeros } from '@tapegrad/core';
import type { Sequential } from '@tapegrad/nn';
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
