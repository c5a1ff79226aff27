/** Checking a state dict against a module's parameters, then copying it in (all or nothing). */
import { booleanOption, checkKnownOptions, describeValue, formatShape, shapesEqual, Tensor } from '@tapegrad/core';

/** A state dict to load: a `Map` or a plain object from dotted names to tensors. */
export type StateDictInput = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (default `true`). Shapes are always checked. */
  strict?: boolean;
}

const LOAD_STATE_DICT_OPTIONS = ['strict'] as const satisfies readonly (keyof LoadStateDictOptions)[];

/** Keys `loadStateDict` skipped (always empty when strict). */
export interface LoadStateDictResult {
  /** Model parameters the state dict lacked. */
  missingKeys: string[];
  /** State-dict keys the model has no parameter for. */
  unexpectedKeys: string[];
}

/** A key whose tensor cannot be copied into the parameter of that name. */
export interface MismatchedKey {
  key: string;
  /** The parameter's shape. */
  expected: number[];
  /** The given tensor's shape. */
  got: number[];
}

/** Thrown by `loadStateDict` when a state dict does not fit; the model is left untouched. */
export class StateDictError extends Error {
  override readonly name = 'StateDictError';

  constructor(
    readonly missingKeys: string[],
    readonly unexpectedKeys: string[],
    readonly mismatchedKeys: MismatchedKey[],
    /** Keys whose value is not a live tensor on the parameter's backend, with the reason. */
    readonly invalidKeys: { key: string; reason: string }[],
    target: string,
  ) {
    const parts: string[] = [];
    const quote = (keys: string[]): string => keys.map((k) => JSON.stringify(k)).join(', ');
    if (missingKeys.length) parts.push(`missing keys: ${quote(missingKeys)}`);
    if (unexpectedKeys.length) parts.push(`unexpected keys: ${quote(unexpectedKeys)}`);
    for (const m of mismatchedKeys) {
      parts.push(`size mismatch for ${JSON.stringify(m.key)}: the model has ${formatShape(m.expected)}, the state dict ${formatShape(m.got)}`);
    }
    for (const bad of invalidKeys) parts.push(`invalid value for ${JSON.stringify(bad.key)}: ${bad.reason}`);
    super(`loadStateDict: cannot load the state dict into ${target} (nothing was changed): ${parts.join('; ')}`);
  }
}

/** A checked load, ready to run. */
export interface StateDictLoadPlan extends LoadStateDictResult {
  /** Copies every matched tensor into its parameter. */
  apply(): void;
}

/**
 * Entries of a Map or a plain object; `op` names the caller in the error for anything else (a
 * module passed for its state dict, say).
 */
export function stateDictEntries(stateDict: StateDictInput, op = 'loadStateDict'): [string, Tensor][] {
  if (stateDict instanceof Map) return [...(stateDict as ReadonlyMap<string, Tensor>)];
  const prototype = stateDict !== null && typeof stateDict === 'object' ? Object.getPrototypeOf(stateDict) : undefined;
  if (prototype !== Object.prototype && prototype !== null) {
    const hint = typeof (stateDict as { stateDict?: unknown } | null)?.stateDict === 'function' ? ' (pass module.stateDict())' : '';
    throw new Error(`${op}: expected a Map or a plain object of tensors, got ${describeValue(stateDict)}${hint}`);
  }
  return Object.entries(stateDict as Readonly<Record<string, Tensor>>);
}

/**
 * Checks `stateDict` against `params` (a module's own `stateDict()`) and returns a plan that
 * copies it in. Throws a `StateDictError` listing every problem; nothing is modified until `apply`.
 */
export function planLoadStateDict(
  target: string,
  params: ReadonlyMap<string, Tensor>,
  stateDict: StateDictInput,
  options: LoadStateDictOptions = {},
): StateDictLoadPlan {
  checkKnownOptions('loadStateDict', options, LOAD_STATE_DICT_OPTIONS);
  const strict = booleanOption('loadStateDict', 'strict', options.strict, true);
  const given = new Map(stateDictEntries(stateDict));
  const missingKeys = [...params.keys()].filter((key) => !given.has(key));
  const unexpectedKeys = [...given.keys()].filter((key) => !params.has(key));
  const mismatchedKeys: MismatchedKey[] = [];
  const invalidKeys: { key: string; reason: string }[] = [];
  const matched: [Tensor, Tensor][] = [];
  for (const [key, param] of params) {
    const source = given.get(key);
    if (source === undefined) continue;
    const problem = invalidReason(source, param);
    if (problem) invalidKeys.push({ key, reason: problem });
    else if (!shapesEqual(source.shape, param.shape)) mismatchedKeys.push({ key, expected: [...param.shape], got: [...source.shape] });
    else matched.push([param, source]);
  }
  const refused = (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) || mismatchedKeys.length > 0 || invalidKeys.length > 0;
  if (refused) {
    throw new StateDictError(strict ? missingKeys : [], strict ? unexpectedKeys : [], mismatchedKeys, invalidKeys, target);
  }
  return {
    missingKeys,
    unexpectedKeys,
    apply: () => {
      for (const [param, source] of matched) param.assign(source);
    },
  };
}

function invalidReason(source: unknown, param: Tensor): string | null {
  if (!(source instanceof Tensor)) return `expected a Tensor, got ${source === null ? 'null' : typeof source}`;
  if (source.isDisposed) return `tensor ${formatShape(source.shape)} is disposed`;
  if (source.backend !== param.backend) return `tensor lives on backend '${source.backend.name}', the parameter on '${param.backend.name}'`;
  return null;
}
