/** `Module`: a tree of named submodules and parameters with train/eval mode and state dicts. */
import { backendByName, checkKnownOptions, describeValue, keep, Tensor } from '@tapegrad/core';
import { markInt64 } from './int64.js';
import { planLoadStateDict, type LoadStateDictOptions, type LoadStateDictResult, type StateDictInput } from './state_dict.js';

/** Options of `Module.registerBuffer`. */
export interface BufferOptions {
  /** `'int64'` for integer state PyTorch keeps as `torch.long` (saved as I64); default `'float32'`. */
  dtype?: 'float32' | 'int64';
}

const BUFFER_OPTIONS = ['dtype'] as const satisfies readonly (keyof BufferOptions)[];

/**
 * Base class of every layer and model, after PyTorch's `nn.Module`.
 *
 * A subclass registers what it owns in its constructor, in the order PyTorch would:
 * `this.weight = this.registerParameter('weight', w)`,
 * `this.runningMean = this.registerBuffer('running_mean', zeros([c]))` and
 * `this.features = this.registerModule('features', new Sequential(...))`. Registration order is
 * the order of `namedChildren()`, `namedParameters()`, `namedBuffers()` and `stateDict()`, and the
 * registered names joined with dots are the state-dict keys (`features.0.weight`), exactly as in
 * PyTorch when the names and order are the same.
 *
 * Call a module with `module.forward(x)`.
 */
export abstract class Module {
  /** Training mode (Dropout active) or evaluation mode. Set recursively by `train()` / `eval()`. */
  training = true;
  readonly #children = new Map<string, Module>();
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();

  /** Computes the module's output for input `x`. */
  abstract forward(x: Tensor): Tensor;

  /**
   * Registers `module` as the child `name` (no dots, unique within this module) and returns it.
   * @throws when the name is invalid or taken, or when the child would create a cycle.
   */
  registerModule<M extends Module>(name: string, module: M): M {
    this.checkNewName('registerModule', name);
    if (!(module instanceof Module)) throw new Error(`registerModule: '${name}' must be a Module, got ${describe(module)}`);
    if ((module as Module) === this || module.namedModules().some(([, m]) => m === this)) {
      throw new Error(`registerModule: registering '${name}' would make ${this.constructor.name} its own descendant`);
    }
    this.#children.set(name, module);
    return module;
  }

  /**
   * Registers `param` as the parameter `name` (no dots, unique within this module) and returns it.
   * Like `nn.Parameter`, it sets `param.requiresGrad = true` (set it back to false to freeze the
   * parameter) and it exempts the tensor from any enclosing `tidy`. `param` must be a leaf.
   * @throws when the name is invalid or taken, or `param` is not a live leaf tensor.
   */
  registerParameter(name: string, param: Tensor): Tensor {
    this.checkNewName('registerParameter', name);
    if (!(param instanceof Tensor)) throw new Error(`registerParameter: '${name}' must be a Tensor, got ${describe(param)}`);
    param.assertLive(`registerParameter '${name}'`);
    if (param.node !== null) {
      throw new Error(`registerParameter: '${name}' must be a leaf tensor, not the output of a recorded op (use detach())`);
    }
    param.requiresGrad = true;
    this.#parameters.set(name, keep(param));
    return param;
  }

  /**
   * Registers `buffer` as the buffer `name` (no dots, unique within this module) and returns it,
   * as PyTorch's `register_buffer`: state that is saved in `stateDict()` and loaded by
   * `loadStateDict()`, moved by `to()`, but is not a parameter (not in `parameters()`, not
   * trained). BatchNorm's running statistics are buffers. The module updates it in place with
   * `buffer.assign(...)`. It is exempted from any enclosing `tidy`.
   *
   * `{dtype: 'int64'}` marks a buffer of integers PyTorch keeps as `torch.long` (a counter such as
   * `num_batches_tracked`): it stays float32 here (exact up to 2^24), and `saveSafetensors` writes it
   * as I64, as PyTorch does.
   * @throws when the name is invalid or taken, or `buffer` is not a live leaf tensor that does not
   * require grad.
   */
  registerBuffer(name: string, buffer: Tensor, options: BufferOptions = {}): Tensor {
    this.checkNewName('registerBuffer', name);
    checkKnownOptions('registerBuffer', options, BUFFER_OPTIONS);
    const dtype = options.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int64') throw new Error(`registerBuffer: dtype must be 'float32' or 'int64', got ${describeValue(dtype)}`);
    if (!(buffer instanceof Tensor)) throw new Error(`registerBuffer: '${name}' must be a Tensor, got ${describe(buffer)}`);
    buffer.assertLive(`registerBuffer '${name}'`);
    if (buffer.node !== null || buffer.requiresGrad) {
      throw new Error(`registerBuffer: '${name}' must be a leaf tensor that does not require grad (buffers are not trained; use registerParameter, or detach())`);
    }
    this.#buffers.set(name, keep(dtype === 'int64' ? markInt64(buffer) : buffer));
    return buffer;
  }

  /** Direct children as `[name, module]` pairs, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.#children];
  }

  /** Direct children, in registration order. */
  children(): Module[] {
    return [...this.#children.values()];
  }

  /**
   * This module (named `prefix`, default `''`) and every descendant, depth first in registration
   * order, each listed once even when registered under several names.
   */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (name: string, module: Module): void => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([name, module]);
      for (const [childName, child] of module.#children) visit(join(name, childName), child);
    };
    visit(prefix, this);
    return out;
  }

  /**
   * Every parameter as `[dottedName, tensor]` pairs: each module's own parameters, then its
   * children's, recursively (PyTorch's order and names). A tensor shared by several modules is
   * listed once, under its first name.
   */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, param] of module.#parameters) {
        if (seen.has(param)) continue;
        seen.add(param);
        out.push([join(prefix, name), param]);
      }
    }
    return out;
  }

  /** Every parameter, in `namedParameters()` order; what an optimizer takes. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, param]) => param);
  }

  /**
   * Every buffer as `[dottedName, tensor]` pairs, in the order of `namedParameters()` (each
   * module's own, then its children's); a tensor registered twice is listed once.
   */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, buffer] of module.#buffers) {
        if (seen.has(buffer)) continue;
        seen.add(buffer);
        out.push([join(prefix, name), buffer]);
      }
    }
    return out;
  }

  /** Every buffer, in `namedBuffers()` order. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, buffer]) => buffer);
  }

  /** Sets training mode (`mode = true`) or evaluation mode on this module and every descendant. */
  train(mode = true): this {
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }

  /** Sets evaluation mode on this module and every descendant (Dropout becomes the identity). */
  eval(): this {
    return this.train(false);
  }

  /**
   * Moves every parameter, its `.grad`, and every buffer to the backend registered as `name`, in
   * place: each keeps its identity, so `module.weight` and the tensors in `parameters()` and
   * `buffers()` stay the same objects, now on the new backend. All values are read before any moves, so a failed read
   * moves nothing. An optimizer's state stays where it was: build the optimizer after `to()`.
   *
   * @example
   * await net.to('gpujs');
   * await setBackend('gpujs');      // inputs created from here on live there too
   */
  async to(name: string): Promise<this> {
    const target = await backendByName(name, `${this.constructor.name}.to`);
    const tensors = [...this.parameters().flatMap((param) => (param.grad ? [param, param.grad] : [param])), ...this.buffers()];
    const moving = tensors.filter((t) => t.backend !== target);
    const values = await Promise.all(moving.map((t) => t.data()));
    moving.forEach((t, i) => t.moveTo(target, target.write(values[i] as Float32Array, t.shape)));
    return this;
  }

  /** Disposes every parameter's `.grad` and sets it to null (PyTorch's `set_to_none=True`). */
  zeroGrad(): void {
    for (const param of this.parameters()) {
      param.grad?.dispose();
      param.grad = null;
    }
  }

  /**
   * The parameters and buffers by dotted name, as PyTorch orders them (each module's parameters,
   * then its buffers, then its children's, recursively), keeping every name of a shared tensor.
   * The values are the live tensors, not copies: do not dispose them; save them (e.g.
   * `saveSafetensors`) before training on.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const visit = (prefix: string, module: Module): void => {
      for (const [name, param] of module.#parameters) out.set(join(prefix, name), param);
      for (const [name, buffer] of module.#buffers) out.set(join(prefix, name), buffer);
      for (const [name, child] of module.#children) visit(join(prefix, name), child);
    };
    visit('', this);
    return out;
  }

  /**
   * Copies `stateDict`'s values into the parameters and buffers of the same names (they keep their
   * identity, so optimizers holding them stay valid). All or nothing: every key is checked first,
   * and on any problem a `StateDictError` naming each missing, unexpected or mis-shaped key is
   * thrown and no parameter changes. With `{strict: false}`, missing and unexpected keys are
   * allowed and returned instead; shapes must still match.
   *
   * The parameters share storage with the given tensors afterwards (storage is never written in
   * place), so disposing the given tensors is safe.
   */
  loadStateDict(stateDict: StateDictInput, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const plan = planLoadStateDict(this.constructor.name, this.stateDict(), stateDict, options);
    plan.apply();
    return { missingKeys: plan.missingKeys, unexpectedKeys: plan.unexpectedKeys };
  }

  /** PyTorch-style summary: the class, `extraRepr()`, and each child indented. */
  toString(): string {
    return this.#tree(false);
  }

  /**
   * What `console.log(module)` prints in Node instead of the internals: the `toString()` tree
   * with parameter counts, `# 40 params` after each module that holds any (a container's total
   * after its closing parenthesis).
   *
   * @example
   * console.log(new Sequential(new Linear(2, 3), new ReLU()));
   * // Sequential(
   * //   (0): Linear(inFeatures=2, outFeatures=3)  # 9 params
   * //   (1): ReLU()
   * // )  # 9 params
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.#tree(true);
  }

  #tree(withCounts: boolean): string {
    const count = withCounts ? this.parameters().reduce((total, param) => total + param.size, 0) : 0;
    const note = count > 0 ? `  # ${count.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')} params` : '';
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (this.#children.size === 0) return `${head})${note}`;
    const lines = [...this.#children].map(([name, child]) => `  (${name}): ${child.#tree(withCounts).replace(/\n/g, '\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)${note}`;
  }

  /** The constructor arguments shown by `toString()`; layers override it. */
  protected extraRepr(): string {
    return '';
  }

  private checkNewName(op: string, name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new Error(`${op}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
    }
    const taken = this.#children.has(name) ? 'child' : this.#parameters.has(name) ? 'parameter' : this.#buffers.has(name) ? 'buffer' : null;
    if (taken) throw new Error(`${op}: ${this.constructor.name} already has a ${taken} named '${name}'`);
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value;
}
