/**
 * The one place that touches gpu.js's untyped surface. Everything gpu.js hands back is narrowed
 * here to the few members this backend uses; the rest of the package sees only these types.
 */
import gpujs from 'gpu.js';

/** gpu.js modes this backend can run. */
export type GpuJsMode = 'webgpu' | 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';

export const GPUJS_MODES: readonly GpuJsMode[] = ['webgpu', 'headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];

/** A kernel result kept on the device: a GL texture or a WebGPU buffer handle. */
export interface DeviceResult {
  toArray(): unknown;
  delete(): void;
}

/** What a kernel call yields (webasm and cpu return plain typed arrays even in pipeline mode). */
export type KernelOutput = Float32Array | DeviceResult;

/** A value a kernel accepts: flat float data, a device result, or a scalar. */
export type KernelArgument = Float32Array | DeviceResult | number;

/** A compiled gpu.js kernel as this backend calls it. */
export interface CompiledKernel {
  (...args: KernelArgument[]): KernelOutput | Promise<KernelOutput>;
  /** The kernel that really runs (gpu.js swaps it on fallback). */
  readonly kernel: { readonly constructor: { readonly mode?: string; readonly name: string }; readonly fallbackReason?: string | null };
  destroy(removeCanvasReferences?: boolean): void;
}

/** Settings passed to `createKernel`. */
export interface KernelSettings {
  output: number[];
  pipeline: boolean;
  immutable: boolean;
  precision: 'single';
  tactic: 'precision';
  loopMaxIterations: number;
  dynamicOutput: false;
  dynamicArguments: false;
  strictIntegers: false;
  asyncMode: boolean;
}

/** A gpu.js `GPU` instance, narrowed. */
export interface GpuInstance {
  createKernel(source: string, settings: KernelSettings): CompiledKernel;
  destroy(): Promise<void>;
  readonly mode: string;
  readonly Kernel: { readonly mode?: string; readonly name: string } | null;
}

interface GpuConstructor {
  new (settings: { mode: GpuJsMode }): GpuInstance;
  readonly isWebAssemblySupported: boolean;
  readonly isHeadlessGLSupported: boolean;
  readonly isWebGLSupported: boolean;
  readonly isWebGL2Supported: boolean;
  readonly isWebGPUSupported: boolean;
}

/** The WebGPU device limits the backend plans against (gpu.js's device asks the adapter for its maxima). */
export interface WebGpuLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxStorageBuffersPerShaderStage: number;
}

/** The WebGPU limits a device is asked for: each at the adapter's maximum. */
export const WEBGPU_LIMIT_NAMES: readonly (keyof WebGpuLimits)[] = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxStorageBuffersPerShaderStage'];

/** The GL limits the backend plans against. */
export interface GlLimits {
  readonly maxTextureSize: number;
  readonly maxTextureImageUnits: number;
}

interface WebGpuContextStatic {
  destroy(): Promise<void>;
  acquire(): Promise<{ device: { limits: WebGpuLimits } }>;
}

interface GlContext {
  readonly MAX_TEXTURE_SIZE: number;
  readonly MAX_TEXTURE_IMAGE_UNITS: number;
  getParameter(name: number): unknown;
}

type KernelClass = abstract new (...args: never[]) => object;
type GlKernelClass = KernelClass & { readonly testContext?: GlContext };

interface GpuJsModule {
  GPU: GpuConstructor;
  WebGPUContext: WebGpuContextStatic;
  HeadlessGLKernel: GlKernelClass;
  WebGL2Kernel: GlKernelClass;
  WebGLKernel: GlKernelClass;
  WebGPUKernel: KernelClass;
  WebAssemblyKernel: KernelClass;
  CPUKernel: KernelClass;
}

const lib = gpujs as unknown as GpuJsModule;

/** The gpu.js `GPU` class. */
export const GPU: GpuConstructor = lib.GPU;

/** Creates a `GPU` for `mode`. */
export function createGpu(mode: GpuJsMode): GpuInstance {
  return new lib.GPU({ mode });
}

/**
 * The mode a compiled kernel really runs in, from its class (GL kernels all report `gpu` as their
 * mode, and names do not survive minification; subclasses are tested first).
 */
export function kernelMode(compiled: CompiledKernel): string {
  const kernel = compiled.kernel as object;
  const classes: [KernelClass, GpuJsMode][] = [
    [lib.HeadlessGLKernel, 'headlessgl'], [lib.WebGL2Kernel, 'webgl2'], [lib.WebGLKernel, 'webgl'],
    [lib.WebGPUKernel, 'webgpu'], [lib.WebAssemblyKernel, 'webasm'], [lib.CPUKernel, 'cpu'],
  ];
  for (const [cls, mode] of classes) if (kernel instanceof cls) return mode;
  return compiled.kernel.constructor.mode ?? compiled.kernel.constructor.name;
}

/** The shared WebGPU device's buffer and binding limits (gpu.js acquires the device). */
export async function webGpuDeviceLimits(): Promise<WebGpuLimits> {
  const { device } = await lib.WebGPUContext.acquire();
  const { maxBufferSize, maxStorageBufferBindingSize, maxStorageBuffersPerShaderStage } = device.limits;
  return { maxBufferSize, maxStorageBufferBindingSize, maxStorageBuffersPerShaderStage };
}

/** A GL mode's texture size and texture units, from the context gpu.js tests features with (null when it has none). */
export function glLimits(mode: 'headlessgl' | 'webgl2' | 'webgl'): GlLimits | null {
  const cls = mode === 'headlessgl' ? lib.HeadlessGLKernel : mode === 'webgl2' ? lib.WebGL2Kernel : lib.WebGLKernel;
  try {
    const gl = cls.testContext;
    if (!gl) return null;
    const maxTextureSize = Number(gl.getParameter(gl.MAX_TEXTURE_SIZE));
    const maxTextureImageUnits = Number(gl.getParameter(gl.MAX_TEXTURE_IMAGE_UNITS));
    return maxTextureSize > 0 && maxTextureImageUnits > 0 ? { maxTextureSize, maxTextureImageUnits } : null;
  } catch {
    return null;
  }
}

/**
 * The memory this process may use, bytes: the host's physical memory (Node's os.totalmem()), or
 * the container's limit where that is lower (process.constrainedMemory()); null where unknown (a
 * browser).
 */
export function hostMemoryBytes(): number | null {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; constrainedMemory?: () => number | undefined } }).process;
    const os = proc?.getBuiltinModule?.('os') as { totalmem(): number } | undefined;
    if (!os) return null;
    const constrained = proc?.constrainedMemory?.() ?? 0;
    return constrained > 0 ? Math.min(os.totalmem(), constrained) : os.totalmem();
  } catch {
    return null;
  }
}

/** Tears down the shared WebGPU device (page-level teardown; gpu.destroy() leaves it). */
export function destroyWebGpuContext(): Promise<void> {
  return lib.WebGPUContext.destroy();
}

/** Whether a kernel output is a plain typed array (webasm/cpu) rather than device memory. */
export function isHostArray(value: unknown): value is Float32Array {
  return value instanceof Float32Array;
}

/** Whether a value is a device result (texture or WebGPU buffer handle). */
export function isDeviceResult(value: unknown): value is DeviceResult {
  return typeof value === 'object' && value !== null && !(value instanceof Float32Array)
    && typeof (value as { delete?: unknown }).delete === 'function'
    && typeof (value as { toArray?: unknown }).toArray === 'function';
}

/** Downloads a device result (sync for textures, a Promise for WebGPU buffers) as float32. */
export function downloadResult(result: DeviceResult): Float32Array | Promise<Float32Array> {
  const values = result.toArray();
  if (values instanceof Promise) return values.then(toFloat32);
  return toFloat32(values);
}

function toFloat32(values: unknown): Float32Array {
  if (values instanceof Float32Array) return values;
  if (Array.isArray(values)) {
    // A 1-D output comes back flat; anything nested is flattened row-major.
    const flat: number[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'number') flat.push(v);
      else if (Array.isArray(v) || v instanceof Float32Array) for (const item of v) walk(item);
    };
    walk(values);
    return Float32Array.from(flat);
  }
  throw new Error(`gpujs backend: unexpected kernel result of type ${Object.prototype.toString.call(values)}`);
}

// ---------------------------------------------------------------------------------------------
// WebGPU in Node: the `webgpu` package (Dawn) and the onuncapturederror work-around.

export interface EventTargetLike {
  addEventListener(type: string, listener: (event: unknown) => void): void;
}

export interface GpuLike {
  requestAdapter(options?: unknown): Promise<AdapterLike | null>;
}

export interface AdapterLike {
  requestDevice(descriptor?: unknown): Promise<EventTargetLike>;
  readonly limits?: Partial<WebGpuLimits>;
}

interface WebGpuPackage {
  create(flags: string[]): unknown;
  globals: Record<string, unknown>;
}

/** The glibc version this process runs on (null off glibc, e.g. in a browser or on musl). */
export function glibcVersion(): string | null {
  const proc = (globalThis as { process?: { report?: { getReport?: () => unknown } } }).process;
  try {
    const report = proc?.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return report?.header?.glibcVersionRuntime ?? null;
  } catch {
    return null;
  }
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split('.').map((part) => Number.parseInt(part, 10));
  return a > major || (a === major && (b ?? 0) >= minor);
}

/** Whether `navigator.gpu` exists (a browser with WebGPU, or globals already installed). */
export function hasNavigatorGpu(): boolean {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  return nav !== undefined && nav !== null && nav.gpu !== undefined && nav.gpu !== null;
}

/** A cheap synchronous guess whether webgpu could load here (used only to pick a priority). */
export function webGpuLikely(): boolean {
  if (hasNavigatorGpu()) return true;
  const glibc = glibcVersion();
  return glibc !== null && versionAtLeast(glibc, 2, 38) && isNodeLinuxX64();
}

function isNodeLinuxX64(): boolean {
  const proc = (globalThis as { process?: { platform?: string; arch?: string } }).process;
  return proc?.platform === 'linux' && proc.arch === 'x64';
}

let webGpuSetup: Promise<void> | null = null;

/**
 * Makes `navigator.gpu` available: in a browser it already is; in Node the WebGPU globals come
 * from the `webgpu` package (installed only when `navigator.gpu` is absent). Either way the
 * adapter and device are wrapped so that assigning `device.onuncapturederror` (which gpu.js does
 * and Dawn's Node binding rejects) forwards to `addEventListener('uncapturederror', ...)`.
 */
export function setUpWebGpu(): Promise<void> {
  webGpuSetup ??= (async () => {
    if (!hasNavigatorGpu()) {
      if ((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === undefined) {
        throw new Error('webgpu mode: this browser has no WebGPU (navigator.gpu is missing); use one that has it, e.g. Chromium, with --enable-unsafe-webgpu where it is off by default');
      }
      const glibc = glibcVersion();
      if (glibc !== null && !versionAtLeast(glibc, 2, 38)) {
        throw new Error(`webgpu mode needs Dawn (the \`webgpu\` package), which needs glibc >= 2.38; this machine has ${glibc}`);
      }
      let pkg: WebGpuPackage;
      try {
        // A variable specifier: `webgpu` comes with gpu.js, and its types are not this package's.
        // (@vite-ignore: a bundler for the web leaves it alone; a browser never gets here.)
        const specifier = 'webgpu';
        pkg = (await import(/* @vite-ignore */ specifier)) as WebGpuPackage;
      } catch (error) {
        throw new Error(`webgpu mode needs Dawn (the \`webgpu\` package), which needs glibc >= 2.38; this machine has ${glibc ?? 'no glibc'}; loading it failed: ${messageOf(error)}`);
      }
      Object.assign(globalThis, pkg.globals);
      const gpu = wrapGpu(pkg.create([]) as GpuLike);
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
      return;
    }
    // navigator.gpu was there already. Browsers accept onuncapturederror; a Dawn-backed one that
    // someone else installed in Node gets the work-around where its navigator lets us.
    const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
    if (proc?.versions?.node === undefined) return;
    const nav = (globalThis as unknown as { navigator: { gpu: GpuLike } }).navigator;
    try {
      Object.defineProperty(nav, 'gpu', { value: wrapGpu(nav.gpu), configurable: true, writable: true });
    } catch {
      // A read-only navigator: leave it; gpu.js then reports the binding's own error.
    }
  })();
  webGpuSetup.catch(() => { webGpuSetup = null; });
  return webGpuSetup;
}

const wrapped = new WeakSet<object>();

/**
 * Wraps a `navigator.gpu` so that its adapters' devices accept `onuncapturederror = fn` (forwarded
 * to addEventListener) and are created with the adapter's largest buffers and bindings and every
 * storage-buffer binding it offers (the WebGPU defaults are 256 MiB, 128 MiB and 8). Exported for
 * tests.
 */
export function wrapGpu(gpu: GpuLike): GpuLike {
  if (wrapped.has(gpu)) return gpu;
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  const patched = overrideMethod(gpu, 'requestAdapter', async (options?: unknown) => {
    const adapter = await requestAdapter(options);
    return adapter ? wrapAdapter(adapter) : adapter;
  });
  wrapped.add(patched);
  return patched;
}

function wrapAdapter(adapter: AdapterLike): AdapterLike {
  if (wrapped.has(adapter)) return adapter;
  const requestDevice = adapter.requestDevice.bind(adapter);
  const patched = overrideMethod(adapter, 'requestDevice', async (descriptor?: unknown) => {
    // Kernels over tensors split into parts bind several buffers: ask for all the adapter has.
    const asked = (descriptor ?? {}) as { requiredLimits?: Record<string, number> };
    const most: Record<string, number> = {};
    for (const name of WEBGPU_LIMIT_NAMES) {
      const value = adapter.limits?.[name];
      if (value !== undefined) most[name] = value;
    }
    const withLimits = Object.keys(most).length === 0 ? asked : { ...asked, requiredLimits: { ...asked.requiredLimits, ...most } };
    return forwardUncapturedError(await requestDevice(withLimits));
  });
  wrapped.add(patched);
  return patched;
}

/**
 * Registers `listener` for device errors nothing else caught. Dawn's Node binding takes the
 * listener as a function or, in some builds, only as an `{handleEvent}` object; where it takes
 * neither, the errors still surface as failed kernels, so a warning is all that is lost.
 */
function listenForUncapturedErrors(device: EventTargetLike, listener: (event: unknown) => void): void {
  const attempts: unknown[] = [listener, { handleEvent: listener }];
  for (const attempt of attempts) {
    try {
      device.addEventListener('uncapturederror', attempt as (event: unknown) => void);
      return;
    } catch {
      // Try the next listener form.
    }
  }
  console.warn('gpujs backend: this WebGPU device takes no uncapturederror listener; device errors surface only as failed kernels');
}

/** Gives `device` an `onuncapturederror` setter that forwards to addEventListener. */
function forwardUncapturedError<T extends EventTargetLike>(device: T): T {
  const descriptor = {
    configurable: true,
    get: () => null,
    set: (listener: unknown) => {
      if (typeof listener === 'function') listenForUncapturedErrors(device, listener as (event: unknown) => void);
    },
  };
  try {
    Object.defineProperty(device, 'onuncapturederror', descriptor);
    return device;
  } catch {
    return new Proxy(device, {
      set(target, property, value) {
        if (property === 'onuncapturederror') {
          descriptor.set(value);
          return true;
        }
        return Reflect.set(target, property, value);
      },
      get(target, property) {
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}

/** Replaces one method, on the object itself where it allows, else through a Proxy. */
function overrideMethod<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): T {
  try {
    Object.defineProperty(target, key, { value, configurable: true, writable: true });
    if (target[key] === value) return target;
  } catch {
    // Fall through to the Proxy.
  }
  return new Proxy(target, {
    get(object, property) {
      if (property === key) return value;
      const member: unknown = Reflect.get(object, property);
      return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(object) : member;
    },
  });
}

/** Asks for a WebGPU adapter; resolves to null when none answers. */
export async function webGpuAdapterAvailable(): Promise<boolean> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (!nav?.gpu) return false;
  try {
    return (await nav.gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

/** Whether the optional `gl` package (headless-gl) can be resolved at all. */
export function headlessGlPackageFound(): boolean {
  try {
    const req = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('module') as
      | { createRequire(path: string): { resolve(id: string): string } }
      | undefined;
    if (!req) return false;
    req.createRequire(import.meta.url).resolve('gl');
    return true;
  } catch {
    return false;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
