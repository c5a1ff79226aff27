/**
 * The WebGPU set-up for Node, on a fake Dawn: its device rejects `onuncapturederror = fn` (as
 * Dawn's Node binding does), so the wrapper must forward the handler to addEventListener, and the
 * device must be asked for every storage-buffer binding the adapter has.
 */
import { describe, expect, it } from 'vitest';
import { wrapGpu, type AdapterLike, type GpuLike } from '../src/gpujs_adapter.js';

class FakeDevice {
  readonly listeners: [string, (event: unknown) => void][] = [];
  constructor(readonly descriptor: unknown) {}
  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.push([type, listener]);
  }
  set onuncapturederror(_listener: unknown) {
    throw new TypeError('Dawn: onuncapturederror is not supported');
  }
}

function fakeGpu(): GpuLike {
  const adapter: AdapterLike = {
    limits: { maxStorageBuffersPerShaderStage: 10 },
    requestDevice: async (descriptor?: unknown) => new FakeDevice(descriptor),
  };
  return { requestAdapter: async () => adapter };
}

describe('webgpu set-up for Node (Dawn work-around)', () => {
  it('forwards device.onuncapturederror to addEventListener and asks for all storage buffers', async () => {
    const gpu = wrapGpu(fakeGpu());
    const adapter = await gpu.requestAdapter();
    expect(adapter).not.toBeNull();
    const device = (await (adapter as AdapterLike).requestDevice({ requiredLimits: { maxBufferSize: 1024 } })) as unknown as FakeDevice;
    const handler = (): void => undefined;
    expect(() => { (device as unknown as { onuncapturederror: unknown }).onuncapturederror = handler; }).not.toThrow();
    expect(device.listeners).toEqual([['uncapturederror', handler]]);
    expect(device.descriptor).toEqual({ requiredLimits: { maxBufferSize: 1024, maxStorageBuffersPerShaderStage: 10 } });
  });

  it('wraps a navigator.gpu once', () => {
    const gpu = wrapGpu(fakeGpu());
    expect(wrapGpu(gpu)).toBe(gpu);
  });
});
