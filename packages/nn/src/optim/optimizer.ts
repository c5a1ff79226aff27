/** `Optimizer`: the parameter list, `zeroGrad`, the `step` scaffolding and state dicts. */
import { formatShape, keep, noGrad, shapesEqual, Tensor, tidy } from '@tapegrad/core';
import { parseStateKey, stateKey, type OptimizerOptionsJson, type OptimizerStateDict } from './state.js';

/** One parameter's state: tensors (`exp_avg`, ...) and counters (`step`). */
export interface ParamState {
  tensors: Map<string, Tensor>;
  scalars: Map<string, number>;
}

/** The names of the state entries a parameter with state must have, given the hyper-parameters. */
export interface StateNames {
  tensors: readonly string[];
  scalars: readonly string[];
}

/**
 * Base class of the optimizers: holds the parameters (leaf tensors that require grad) and
 * per-parameter state, and runs each `step()` under `noGrad` inside a `tidy`, updating every
 * parameter in place with `assign` (parameter identity never changes, and a step leaks no
 * tensor). State tensors live outside any `tidy` until `dispose()`.
 */
export abstract class Optimizer<O extends OptimizerOptionsJson> {
  /** The optimized parameters, in the order given. State keys index into this list. */
  readonly params: readonly Tensor[];
  /** The kind written into state dicts, e.g. `'SGD'`. */
  abstract readonly type: string;
  #options: O;
  #state: (ParamState | undefined)[];

  protected constructor(name: string, params: Iterable<Tensor>, options: O) {
    this.params = checkParams(name, params);
    this.#options = options;
    this.#state = this.params.map(() => undefined);
  }

  /** The resolved hyper-parameters. */
  get options(): Readonly<O> {
    return this.#options;
  }

  /** The learning rate; settable (e.g. by a schedule). */
  get lr(): number {
    return this.#options.lr as number;
  }

  set lr(value: number) {
    this.#options = this.resolveOptions({ ...this.#options, lr: value });
  }

  /**
   * Replaces some hyper-parameters, checked as the constructor checks them (a schedule uses it: the
   * learning rate, OneCycleLR's momentum or `betas[0]`). State is kept.
   * @throws naming the option when a value is out of range or unknown.
   */
  setOptions(changes: Partial<O>): void {
    this.#options = this.resolveOptions({ ...this.#options, ...changes });
  }

  /** Disposes every parameter's `.grad` and sets it to null (PyTorch's `set_to_none=True`). */
  zeroGrad(): void {
    for (const param of this.params) {
      param.grad?.dispose();
      param.grad = null;
    }
  }

  /**
   * Updates every parameter that has a gradient (those with `grad === null` are skipped and keep
   * their state), without recording and without leaking tensors.
   * @throws when a gradient's shape differs from its parameter's.
   */
  step(): void {
    noGrad(() => tidy(() => {
      this.params.forEach((param, index) => {
        const grad = param.grad;
        if (grad === null) return;
        param.assertLive(`${this.type}.step`);
        grad.assertLive(`${this.type}.step (gradient of parameter ${index})`);
        if (!shapesEqual(grad.shape, param.shape)) {
          throw new Error(`${this.type}.step: parameter ${index} is ${formatShape(param.shape)} but its gradient is ${formatShape(grad.shape)}`);
        }
        this.update(param, grad, this.stateOf(index), this.#options);
      });
    }));
  }

  /**
   * The state: tensors by `state.<i>.<name>` (the live state tensors, not copies: do not dispose
   * them, and save them before stepping on) and a JSON-able `meta` with the hyper-parameters,
   * parameter shapes and counters. See `OptimizerStateDict`.
   */
  stateDict(): OptimizerStateDict {
    const state = new Map<string, Tensor>();
    const scalars: Record<string, number> = {};
    this.#state.forEach((entry, index) => {
      if (!entry) return;
      for (const [name, t] of entry.tensors) state.set(stateKey(index, name), t);
      for (const [name, v] of entry.scalars) scalars[stateKey(index, name)] = v;
    });
    const options = JSON.parse(JSON.stringify(this.#options)) as OptimizerOptionsJson;
    return { state, meta: { type: this.type, options, paramShapes: this.params.map((p) => [...p.shape]), scalars } };
  }

  /**
   * Replaces the state and hyper-parameters with `stateDict`'s (as PyTorch's `load_state_dict`),
   * so training resumes exactly where the saved optimizer stopped. All or nothing: it checks the
   * kind, the options, the parameter shapes and every key first, and throws naming each problem
   * without changing anything. The optimizer keeps its own handles to the values, so the given
   * tensors may be disposed afterwards.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    this.prepareLoad(stateDict)();
  }

  /**
   * @internal Checks `stateDict` like `loadStateDict` and returns the function that loads it, so
   * a checkpoint can check the model and the optimizer before changing either.
   */
  prepareLoad(stateDict: OptimizerStateDict): () => void {
    const where = `${this.type}.loadStateDict`;
    const { meta } = stateDict;
    if (meta.type !== this.type) throw new Error(`${where}: the state is from a ${meta.type} optimizer, not ${this.type}`);
    let options: O;
    try {
      options = this.resolveOptions(meta.options);
    } catch (error) {
      throw new Error(`${where}: invalid options in the state: ${(error as Error).message}`);
    }
    const problems: string[] = [];
    if (meta.paramShapes.length !== this.params.length) {
      problems.push(`the state is for ${meta.paramShapes.length} parameters, this optimizer has ${this.params.length}`);
    } else {
      meta.paramShapes.forEach((shape, i) => {
        if (!shapesEqual(shape, this.params[i].shape)) problems.push(`parameter ${i} is ${formatShape(this.params[i].shape)} here but ${formatShape(shape)} in the state`);
      });
    }
    const incoming: (ParamState | undefined)[] = this.params.map(() => undefined);
    const entryFor = (index: number): ParamState => (incoming[index] ??= { tensors: new Map(), scalars: new Map() });
    const place = (key: string, add: (entry: ParamState, name: string, param: Tensor) => void): void => {
      const parsed = parseStateKey(key);
      if (!parsed) problems.push(`unexpected key ${JSON.stringify(key)} (expected state.<index>.<name>)`);
      else if (parsed[0] >= this.params.length) problems.push(`key ${JSON.stringify(key)} names parameter ${parsed[0]} of ${this.params.length}`);
      else add(entryFor(parsed[0]), parsed[1], this.params[parsed[0]]);
    };
    for (const [key, t] of stateDict.state) {
      place(key, (entry, name, param) => {
        if (!(t instanceof Tensor) || t.isDisposed) problems.push(`${JSON.stringify(key)} is not a live tensor`);
        else if (t.backend !== param.backend) problems.push(`${JSON.stringify(key)} lives on backend '${t.backend.name}', its parameter on '${param.backend.name}'`);
        else if (!shapesEqual(t.shape, param.shape)) problems.push(`${JSON.stringify(key)} is ${formatShape(t.shape)}, its parameter ${formatShape(param.shape)}`);
        else entry.tensors.set(name, t);
      });
    }
    for (const [key, v] of Object.entries(meta.scalars)) {
      place(key, (entry, name) => {
        if (!Number.isFinite(v)) problems.push(`scalar ${JSON.stringify(key)} is ${v}, not a finite number`);
        else entry.scalars.set(name, v);
      });
    }
    const names = this.stateNames(options);
    incoming.forEach((entry, index) => {
      if (!entry) return;
      const describe = (kind: string, want: readonly string[], have: Iterable<string>): void => {
        const got = [...have].sort();
        const expected = [...want].sort();
        if (got.join() !== expected.join()) {
          problems.push(`parameter ${index} has ${kind} [${got.join(', ')}], expected [${expected.join(', ')}]`);
        }
      };
      describe('state tensors', names.tensors, entry.tensors.keys());
      describe('counters', names.scalars, entry.scalars.keys());
    });
    if (problems.length > 0) throw new Error(`${where}: cannot load the state (nothing was changed): ${problems.join('; ')}`);
    return () => {
      const fresh = incoming.map((entry) => entry && {
        tensors: new Map([...entry.tensors].map(([name, t]) => [name, keep(t.detach())])),
        scalars: new Map(entry.scalars),
      });
      this.dispose();
      this.#state = fresh;
      this.#options = options;
    };
  }

  /** Frees every state tensor; the next `step()` starts from fresh state, as a new optimizer. */
  dispose(): void {
    for (const entry of this.#state) for (const t of entry?.tensors.values() ?? []) t.dispose();
    this.#state = this.params.map(() => undefined);
  }

  /** Checks hyper-parameters (from the constructor, a setter or a state dict) and fills defaults. */
  protected abstract resolveOptions(options: Readonly<Record<string, unknown>>): O;

  /** The state entries a parameter has once it has been stepped, under `options`. */
  protected abstract stateNames(options: O): StateNames;

  /**
   * Updates one parameter in place (`param.assign(...)`) from its gradient, creating its state on
   * first use (state tensors must be passed through `keep`). Runs under `noGrad` inside a `tidy`.
   */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, options: O): void;

  private stateOf(index: number): ParamState {
    return (this.#state[index] ??= { tensors: new Map(), scalars: new Map() });
  }
}

function checkParams(name: string, params: Iterable<Tensor>): Tensor[] {
  if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
    throw new Error(`${name}: params must be an iterable of tensors (e.g. model.parameters())`);
  }
  const list = [...params];
  if (list.length === 0) throw new Error(`${name}: got an empty parameter list`);
  const seen = new Set<Tensor>();
  list.forEach((param, i) => {
    if (!(param instanceof Tensor)) throw new Error(`${name}: parameter ${i} is not a Tensor`);
    param.assertLive(`${name}: parameter ${i}`);
    if (!param.requiresGrad) throw new Error(`${name}: parameter ${i} ${formatShape(param.shape)} does not require grad`);
    if (param.node !== null) throw new Error(`${name}: parameter ${i} ${formatShape(param.shape)} is not a leaf tensor`);
    if (seen.has(param)) throw new Error(`${name}: parameter ${i} ${formatShape(param.shape)} appears more than once`);
    seen.add(param);
  });
  return list;
}
