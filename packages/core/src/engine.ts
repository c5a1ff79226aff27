/**
 * Global state of the library: the backend registry, the active backend, grad mode, live-tensor
 * counting and the `tidy` scope stack.
 */
import type { Backend, BackendFactory } from './backend.js';
import type { Tensor } from './tensor.js';

interface Registration {
  readonly factory: BackendFactory;
  readonly priority: number;
  instance?: Backend;
}

const registry = new Map<string, Registration>();
let active: Backend | undefined;
let gradEnabled = true;
/** Live tensors per backend instance: a tensor counts on the backend its storage lives on. */
const liveTensors = new Map<Backend, number>();
/** Names of the `setBackend` calls not yet resolved, each with whether it has warned. */
const pendingSwitches = new Map<number, { readonly name: string; warned: boolean }>();
let nextSwitch = 0;
/** Each open `tidy` owns the tensors created while it is innermost. */
const scopes: Set<Tensor>[] = [];

/**
 * Registers a backend under `name`. With no explicit `setBackend`, the registered backend with the
 * highest priority becomes active on first use.
 */
export function registerBackend(name: string, factory: BackendFactory, priority = 1): void {
  if (registry.has(name)) {
    const previous = registry.get(name);
    if (previous?.instance && previous.instance === active) active = undefined;
    if (previous?.instance) liveTensors.delete(previous.instance);
    previous?.instance?.dispose();
  }
  registry.set(name, { factory, priority });
}

/** Names of every registered backend, highest priority first. */
export function listBackends(): string[] {
  return [...registry.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([name]) => name);
}

function registrationOf(op: string, name: string): Registration {
  const registration = registry.get(name);
  if (!registration) {
    const known = listBackends();
    throw new Error(`${op}: unknown backend '${name}' (registered: ${known.length ? known.join(', ') : 'none; import @tapegrad/backend-cpu'})`);
  }
  return registration;
}

/** The backend registered as `name`, created on first use (without making it active); `op` names the caller in errors. */
export async function backendByName(name: string, op = 'backendByName'): Promise<Backend> {
  const registration = registrationOf(op, name);
  registration.instance ??= await registration.factory();
  return registration.instance;
}

/**
 * Makes `name` the active backend, creating it on first use. Tensors stay on their own backend.
 * Await it: until it resolves, ops that create tensors run on the previous backend, and the first
 * such op warns (once per call). A backend already created becomes active at once.
 */
export async function setBackend(name: string): Promise<Backend> {
  const registration = registrationOf('setBackend', name);
  if (registration.instance) {
    active = registration.instance;
    return active;
  }
  const id = nextSwitch++;
  pendingSwitches.set(id, { name, warned: false });
  try {
    active = await backendByName(name, 'setBackend');
    return active;
  } finally {
    pendingSwitches.delete(id);
  }
}

/** Warns, once per pending `setBackend`, that an op resolved the active backend before it finished. */
function warnPendingSwitches(): void {
  for (const pending of pendingSwitches.values()) {
    if (pending.warned) continue;
    pending.warned = true;
    console.warn(`tapegrad: setBackend('${pending.name}') has not finished, so this op runs on ${active ? `'${registeredName(active)}'` : 'the default backend'}; ` +
      `await setBackend('${pending.name}') before creating tensors`);
  }
}

/** The active backend. With none chosen, the highest-priority registered backend (if it starts synchronously). */
export function getBackend(): Backend {
  if (pendingSwitches.size > 0) warnPendingSwitches();
  if (active) return active;
  for (const name of listBackends()) {
    const registration = registry.get(name) as Registration;
    if (!registration.instance) {
      const created = registration.factory();
      if (created instanceof Promise) {
        throw new Error(`getBackend: backend '${name}' starts asynchronously; call await setBackend('${name}') first`);
      }
      registration.instance = created;
    }
    active = registration.instance;
    return active;
  }
  throw new Error('getBackend: no backend is registered; import @tapegrad/backend-cpu (or another backend) first');
}

/** Whether operations are being recorded for autograd. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Sets grad mode and returns the previous value (internal; users call `noGrad`). */
export function setGradEnabled(enabled: boolean): boolean {
  const previous = gradEnabled;
  gradEnabled = enabled;
  return previous;
}

/** Runs `fn` without recording any operation for autograd. */
export function noGrad<T>(fn: () => T): T {
  const previous = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(previous);
  }
}

function countOn(backend: Backend, delta: number): void {
  liveTensors.set(backend, (liveTensors.get(backend) ?? 0) + delta);
}

/** Counts a new tensor on its backend and hands it to the innermost `tidy`. */
export function trackTensor(t: Tensor): void {
  countOn(t.backend, 1);
  scopes[scopes.length - 1]?.add(t);
}

/** Uncounts a disposed tensor. */
export function untrackTensor(t: Tensor): void {
  countOn(t.backend, -1);
  for (const scope of scopes) scope.delete(t);
}

/** Moves a live tensor's count from `from` to the backend it now lives on (`Module.to`). */
export function retrackTensor(t: Tensor, from: Backend): void {
  countOn(from, -1);
  countOn(t.backend, 1);
}

/** Exempts `t` from disposal by every enclosing `tidy`. Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  return t;
}

/** Memory in use on one backend: its live tensors (core's count), storages and bytes (the backend's). */
export interface MemoryInfo {
  readonly numTensors: number;
  readonly numDataIds: number;
  readonly numBytes: number;
  /** The name the backend was registered under. */
  readonly backend: string;
  /** Compiled kernels in the backend's cache (only for backends that compile kernels, e.g. gpujs). */
  readonly numKernels?: number;
}

/** The name `backend` was registered under (a backend class may be registered under several). */
function registeredName(backend: Backend): string {
  for (const [name, registration] of registry) if (registration.instance === backend) return name;
  return backend.name;
}

function memoryOf(backend: Backend): MemoryInfo {
  const counts = { numTensors: liveTensors.get(backend) ?? 0, numDataIds: backend.numDataIds(), numBytes: backend.numBytes(), backend: registeredName(backend) };
  return backend.numKernels ? { ...counts, numKernels: backend.numKernels() } : counts;
}

/** Live tensors, storages and bytes, all three on the active backend. */
export function memory(): MemoryInfo {
  return memoryOf(getBackend());
}

/** `memory()` of every backend created so far (active or not), highest priority first. */
export function memoryByBackend(): MemoryInfo[] {
  return listBackends().flatMap((name) => {
    const instance = registry.get(name)?.instance;
    return instance ? [memoryOf(instance)] : [];
  });
}

/** A value `tidy` may return: tensors anywhere inside arrays or plain objects survive. */
export type TensorContainer = Tensor | number | string | boolean | null | undefined | void | TensorContainer[] | { [key: string]: TensorContainer };

function collectTensors(value: unknown, isTensor: (v: unknown) => v is Tensor, out: Set<Tensor>): void {
  if (isTensor(value)) out.add(value);
  else if (Array.isArray(value)) for (const item of value) collectTensors(item, isTensor, out);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) collectTensors(item, isTensor, out);
  }
}

let tensorCheck: ((v: unknown) => v is Tensor) | undefined;

/** Lets the Tensor module tell engine how to recognise a tensor (avoids an import cycle). */
export function setTensorCheck(check: (v: unknown) => v is Tensor): void {
  tensorCheck = check;
}

/**
 * Runs `fn` with a new innermost scope collecting the tensors it creates; returns its result and
 * the scope. If `fn` throws, everything it created is disposed.
 */
function inScope<T>(fn: () => T): { result: T; scope: Set<Tensor> } {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  try {
    return { result: fn(), scope };
  } catch (error) {
    for (const t of scope) t.dispose();
    throw error;
  } finally {
    scopes.pop();
  }
}

/** Hands the survivors that `scope` created to the enclosing scope. */
function handToParent(scope: Set<Tensor>, survivors: Iterable<Tensor>): void {
  const parent = scopes[scopes.length - 1];
  if (parent) for (const t of survivors) if (scope.has(t) && !t.isDisposed) parent.add(t);
}

/**
 * @internal Runs an op built from other ops. The tensors `fn` creates other than its result are
 * released (see `Tensor.release`): freed as soon as no recorded node needs them, so an op's inner
 * results never outlive it, inside `tidy` or not. The result goes to the enclosing scope.
 */
export function composite<T extends Tensor>(fn: () => T): T {
  const { result, scope } = inScope(fn);
  for (const t of scope) if (t !== result) t.release();
  handToParent(scope, [result]);
  return result;
}

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns (anywhere in an
 * array or plain object) and those passed to `keep`. Returned tensors move to the enclosing scope.
 * `fn` must be synchronous: use it around one step, and await outside.
 */
export function tidy<T extends TensorContainer>(fn: () => T): T {
  const { result, scope } = inScope(fn);
  if (result instanceof Promise) throw new Error('tidy: fn must be synchronous (it returned a Promise)');
  const survivors = new Set<Tensor>();
  if (tensorCheck) collectTensors(result, tensorCheck, survivors);
  for (const t of scope) if (!survivors.has(t)) t.dispose();
  handToParent(scope, survivors);
  return result;
}
