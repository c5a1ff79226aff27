/** The model the page classifies with: loaded from a checkpoint or trained in the page. */
import type { ModelInfo } from '@tapegrad/nin';
import type { Sequential } from '@tapegrad/nn';

/** A model and where it came from. */
export interface CurrentModel {
  readonly model: Sequential;
  readonly info: ModelInfo;
  /** One line: `model.safetensors (small NiN, 28x28 input)`. */
  readonly description: string;
}

let current: CurrentModel | null = null;
const listeners: ((model: CurrentModel | null) => void)[] = [];

/** The current model, or null before any was loaded or trained. */
export function currentModel(): CurrentModel | null {
  return current;
}

/** Replaces the current model (disposing the previous one's parameters unless it is the same model). */
export function setCurrentModel(next: CurrentModel): void {
  if (current && current.model !== next.model) for (const p of current.model.parameters()) p.dispose();
  current = next;
  for (const listener of listeners) listener(current);
}

/** Calls `listener` whenever the current model changes. */
export function onModelChange(listener: (model: CurrentModel | null) => void): void {
  listeners.push(listener);
}

/** `small NiN (widths 32, 64, 96), 28x28 input, 10 classes`. */
export function describeInfo(info: ModelInfo): string {
  return `${info.variant} NiN (widths ${info.widths.join(', ')}), ${info.inputSize}x${info.inputSize} input, ${info.numClasses} classes`;
}
