/**
 * Which gpu.js mode runs: an explicit option, else `TAPEGRAD_GPUJS_MODE`, else the best one
 * available. A mode that was asked for and cannot run is an error saying why, never a fallback.
 */
import {
  GPU, GPUJS_MODES, glibcVersion, hasNavigatorGpu, headlessGlPackageFound, setUpWebGpu, webGpuAdapterAvailable,
  webGpuLikely, type GpuJsMode,
} from './gpujs_adapter.js';

/** `'auto'`: the best mode available here (webgpu, then headlessgl/webgl2/webgl, then webasm, then cpu). */
export type GpuJsModeRequest = GpuJsMode | 'auto';

/** The environment variable that picks the mode when no option does. */
export const MODE_ENV = 'TAPEGRAD_GPUJS_MODE';

/** Modes on a real GPU (as opposed to gpu.js running on the CPU). */
export function isGpuMode(mode: GpuJsMode): boolean {
  return mode === 'webgpu' || mode === 'headlessgl' || mode === 'webgl2' || mode === 'webgl';
}

function envMode(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[MODE_ENV]?.trim();
  return value ? value : undefined;
}

/** The requested mode: `option` > `TAPEGRAD_GPUJS_MODE` > `'auto'`; unknown names are errors. */
export function requestedMode(option?: string): GpuJsModeRequest {
  const fromOption = option !== undefined;
  const value = option ?? envMode() ?? 'auto';
  if (value === 'auto' || (GPUJS_MODES as readonly string[]).includes(value)) return value as GpuJsModeRequest;
  const where = fromOption ? 'the mode option' : `${MODE_ENV}`;
  throw new Error(`gpujs backend: unknown mode '${value}' (from ${where}); use one of ${[...GPUJS_MODES, 'auto'].join(', ')}`);
}

function isBrowser(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}

/** Why a synchronous mode cannot run here, or null when it can. */
export function unavailableReason(mode: GpuJsMode): string | null {
  switch (mode) {
    case 'cpu':
      return null;
    case 'webasm':
      return GPU.isWebAssemblySupported ? null : 'webasm mode needs WebAssembly, which this JavaScript engine lacks';
    case 'headlessgl':
      if (!headlessGlPackageFound()) {
        return 'headlessgl mode needs the optional `gl` package (headless-gl), which is not installed; build it from source (npm install gl, with python3, make, g++ and the X11/GL headers) and run under a display, e.g. xvfb-run';
      }
      return GPU.isHeadlessGLSupported
        ? null
        : 'headlessgl mode: the `gl` package is installed but could not create a WebGL context; it needs a display (run under xvfb-run) and a working Mesa/GL driver';
    case 'webgl2':
    case 'webgl':
      if (!isBrowser()) return `${mode} mode runs only in a browser; in Node use headlessgl (with the gl package under Xvfb), webgpu, webasm or cpu`;
      return (mode === 'webgl2' ? GPU.isWebGL2Supported : GPU.isWebGLSupported) ? null : `${mode} mode: this browser has no ${mode === 'webgl2' ? 'WebGL2' : 'WebGL'} context`;
    case 'webgpu':
      return null; // decided asynchronously by prepareWebGpu
  }
}

/** Loads WebGPU (Dawn in Node) and asks for an adapter; throws saying why when there is none. */
export async function prepareWebGpu(): Promise<void> {
  await setUpWebGpu();
  if (!(await webGpuAdapterAvailable())) {
    throw new Error(`webgpu mode: navigator.gpu exists but no WebGPU adapter answered${hasNavigatorGpu() && glibcVersion() === null ? ' (in a browser: enable WebGPU, e.g. Chromium with --enable-unsafe-webgpu)' : ' (no GPU driver found: check the Vulkan driver, e.g. VK_DRIVER_FILES)'}`);
  }
}

/** The best synchronous mode here: a GL mode with a context, else webasm, else cpu. */
export function bestSyncMode(): GpuJsMode {
  for (const mode of ['headlessgl', 'webgl2', 'webgl', 'webasm'] as const) {
    if ((mode !== 'headlessgl' || headlessGlPackageFound()) && unavailableReason(mode) === null) return mode;
  }
  return 'cpu';
}

/**
 * Whether the registered backend would run on a real GPU, judged synchronously and cheaply at
 * import time (it sets the registry priority against 'cpu').
 */
export function gpuModeExpected(): boolean {
  let request: GpuJsModeRequest;
  try {
    request = requestedMode();
  } catch {
    return false;
  }
  if (request === 'auto') return webGpuLikely() || isGpuMode(bestSyncMode());
  return isGpuMode(request);
}
