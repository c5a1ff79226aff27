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
let liveTensors = 0;
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
    previous?.instance?.dispose();
  }
  registry.set(name, { factory, priority });
}

/** Names of every registered backend, highest priority first. */
export function listBackends(): string[] {
  return [...registry.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([name]) => name);
}

async function instantiate(name: string): Promise<Backend> {
  const registration = registry.get(name);
  if (!registration) {
    const known = listBackends();
    throw new Error(`setBackend: unknown backend '${name}' (registered: ${known.length ? known.join(', ') : 'none; import @tapegrad/backend-cpu'})`);
  }
  registration.instance ??= await registration.factory();
  return registration.instance;
}

/** Makes `name` the active backend, creating it on first use. Tensors stay on their own backend. */
export async function setBackend(name: string): Promise<Backend> {
  active = await instantiate(name);
  return active;
}

/** The active backend. With none chosen, the highest-priority registered backend (if it starts synchronously). */
export function getBackend(): Backend {
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

/** Counts a new tensor and hands it to the innermost `tidy`. */
export function trackTensor(t: Tensor): void {
  liveTensors++;
  scopes[scopes.length - 1]?.add(t);
}

/** Uncounts a disposed tensor. */
export function untrackTensor(t: Tensor): void {
  liveTensors--;
  for (const scope of scopes) scope.delete(t);
}

/** Exempts `t` from disposal by every enclosing `tidy`. Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  return t;
}

/** Memory in use: live tensors (core's count) and storages/bytes (the active backend's count). */
export interface MemoryInfo {
  readonly numTensors: number;
  readonly numDataIds: number;
  readonly numBytes: number;
  readonly backend: string;
}

/** Live tensors, storages and bytes on the active backend. */
export function memory(): MemoryInfo {
  const backend = getBackend();
  return { numTensors: liveTensors, numDataIds: backend.numDataIds(), numBytes: backend.numBytes(), backend: backend.name };
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
 * Runs `fn` and disposes every tensor created inside it except those it returns (anywhere in an
 * array or plain object) and those passed to `keep`. Returned tensors move to the enclosing scope.
 * `fn` must be synchronous: use it around one step, and await outside.
 */
export function tidy<T extends TensorContainer>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) throw new Error('tidy: fn must be synchronous (it returned a Promise)');
  const survivors = new Set<Tensor>();
  if (tensorCheck) collectTensors(result, tensorCheck, survivors);
  for (const t of scope) if (!survivors.has(t)) t.dispose();
  const parent = scopes[scopes.length - 1];
  if (parent) for (const t of survivors) if (scope.has(t) && !t.isDisposed) parent.add(t);
  return result;
}
