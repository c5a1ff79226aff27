/**
 * The serialisable form of an optimizer's state: tensors under `state.<i>.<name>` plus a small
 * JSON-able record (kind, hyper-parameters, parameter shapes and per-parameter counters).
 */
import type { Tensor } from '@tapegrad/core';

/** A hyper-parameter value: a number, a flag, or a tuple such as Adam's `betas`. */
export type OptimizerOptionValue = number | boolean | readonly number[];

/** Hyper-parameters by name, as `JSON.stringify` writes them. */
export type OptimizerOptionsJson = Record<string, OptimizerOptionValue>;

/** Everything of an optimizer's state that is not a tensor; plain JSON. */
export interface OptimizerStateMeta {
  /** The optimizer class, `'SGD'` or `'Adam'`; a state only loads into the same kind. */
  type: string;
  /** Resolved hyper-parameters (`lr`, `momentum`, ...); loading restores them, as PyTorch does. */
  options: OptimizerOptionsJson;
  /** Shapes of the optimized parameters, in order; a state only loads for the same list. */
  paramShapes: number[][];
  /** Per-parameter counters under `state.<i>.<name>`, e.g. Adam's `state.0.step`. */
  scalars: Record<string, number>;
}

/**
 * An optimizer's state dict. `state` holds its tensors by `state.<i>.<name>`, `i` indexing the
 * parameter list given to the optimizer (SGD: `state.0.momentum_buffer`; Adam: `state.0.exp_avg`,
 * `state.0.exp_avg_sq`, and `state.0.max_exp_avg_sq` with amsgrad) — PyTorch's names. A parameter
 * that has never had a gradient has no entries. `meta` is plain JSON.
 */
export interface OptimizerStateDict {
  state: Map<string, Tensor>;
  meta: OptimizerStateMeta;
}

/** `state.<i>.<name>` as `[i, name]`, or null when the key is not of that form. */
export function parseStateKey(key: string): [number, string] | null {
  const match = /^state\.(0|[1-9][0-9]*)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(key);
  return match ? [Number(match[1]), match[2]] : null;
}

/** The key of state entry `name` of parameter `index`. */
export function stateKey(index: number, name: string): string {
  return `state.${index}.${name}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

/**
 * Parses and checks the JSON written from an `OptimizerStateMeta` (e.g. read back from a
 * checkpoint's metadata). @throws naming the first field that is malformed.
 */
export function parseOptimizerStateMeta(json: string): OptimizerStateMeta {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`optimizer state: metadata is not valid JSON (${(error as Error).message})`);
  }
  const fail = (what: string): never => {
    throw new Error(`optimizer state: ${what}`);
  };
  if (!isRecord(value)) return fail('metadata must be a JSON object');
  const { type, options, paramShapes, scalars } = value;
  if (typeof type !== 'string') fail('"type" must be a string');
  if (!isRecord(options)) return fail('"options" must be an object');
  for (const [name, v] of Object.entries(options)) {
    if (typeof v !== 'number' && typeof v !== 'boolean' && !isNumberArray(v)) fail(`option "${name}" must be a number, a boolean or a number array`);
  }
  if (!Array.isArray(paramShapes) || !paramShapes.every(isNumberArray)) fail('"paramShapes" must be an array of shapes');
  if (!isRecord(scalars)) return fail('"scalars" must be an object');
  for (const [name, v] of Object.entries(scalars)) if (typeof v !== 'number') fail(`scalar "${name}" must be a number`);
  return {
    type: type as string,
    options: options as OptimizerOptionsJson,
    paramShapes: paramShapes as number[][],
    scalars: scalars as Record<string, number>,
  };
}
