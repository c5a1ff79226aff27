/**
 * The WebGPU set-up for Node, on a fake Dawn: its device rejects `onuncapturederror = fn` (as
 * Dawn's Node binding does), so the wrapper must forward the handler to addEventListener, and the
 * device must be asked for the adapter's largest buffers and every storage-buffer binding it has.
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
    limits: { maxStorageBuffersPerShaderStage: 10, maxStorageBufferBindingSize: 2 ** 31 - 4, maxBufferSize: 2 ** 32 },
    requestDevice: async (descriptor?: unknown) => new FakeDevice(descriptor),
  };
  return { requestAdapter: async () => adapter };
}

describe('webgpu set-up for Node (Dawn work-around)', () => {
  it('forwards device.onuncapturederror to addEventListener and asks for the largest buffers and every storage buffer', async () => {
    const gpu = wrapGpu(fakeGpu());
    const adapter = await gpu.requestAdapter();
    expect(adapter).not.toBeNull();
    const device = (await (adapter as AdapterLike).requestDevice({ requiredLimits: { maxBufferSize: 1024, maxComputeWorkgroupsPerDimension: 4096 } })) as unknown as FakeDevice;
    const handler = (): void => undefined;
    expect(() => { (device as unknown as { onuncapturederror: unknown }).onuncapturederror = handler; }).not.toThrow();
    expect(device.listeners).toEqual([['uncapturederror', handler]]);
    expect(device.descriptor).toEqual({
      requiredLimits: { maxComputeWorkgroupsPerDimension: 4096, maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 - 4, maxStorageBuffersPerShaderStage: 10 },
    });
  });

  it('wraps a navigator.gpu once', () => {
    const gpu = wrapGpu(fakeGpu());
    expect(wrapGpu(gpu)).toBe(gpu);
  });
});
