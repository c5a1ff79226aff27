/**
 * More than one backend in a process: `memory()` reports the active backend alone (tensors,
 * storages and bytes of one backend), `memoryByBackend()` lists each one created; `tensor.to()`
 * copies and `module.to()` moves parameters in place; an un-awaited `setBackend` warns.
 * The second backend is a second CPU backend instance registered under another name.
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import {
  getBackend, memory, memoryByBackend, registerBackend, setBackend, sum, tensor, zeros, type Backend,
} from '@tapegrad/core';
import { Linear, Sequential } from '@tapegrad/nn';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

let cpu: Backend;
let other: Backend;

beforeAll(async () => {
  registerBackend('other', () => new CpuBackend(), 0);
  other = await setBackend('other');
  cpu = await setBackend('cpu');
});

afterEach(async () => {
  vi.restoreAllMocks();
  await setBackend('cpu');
});

describe('memory() per backend', () => {
  it('counts the active backend\'s tensors only, with that backend\'s storages and bytes', async () => {
    const onCpu = memory();
    expect(onCpu.backend).toBe('cpu');
    await setBackend('other');
    const a = zeros([1000]);
    const b = zeros([10]);
    const onOther = memory();
    expect(onOther.backend).toBe('other');
    await setBackend('cpu');
    // Two tensors on 'other' change nothing in the cpu report.
    expect(memory()).toEqual(onCpu);
    await setBackend('other');
    a.dispose();
    b.dispose();
    const after = memory();
    expect(after.numTensors).toBe(onOther.numTensors - 2);
    expect(after.numDataIds).toBe(onOther.numDataIds - 2);
    expect(after.numBytes).toBe(onOther.numBytes - 4 * 1010);
  });

  it('memoryByBackend() lists every backend created, highest priority first, each with its own counts', () => {
    const t = zeros([3]);
    const listed = memoryByBackend();
    expect(listed.map((m) => m.backend)).toEqual(['cpu', 'other']);
    expect(listed[0]).toEqual(memory());
    expect(listed[1]?.numTensors).toBe(memoryByBackend()[1]?.numTensors);
    t.dispose();
    expect(memoryByBackend()[0]?.numTensors).toBe((listed[0]?.numTensors ?? 0) - 1);
  });
});

describe('moving between backends', () => {
  it('tensor.to(name) copies the values to that backend, detached, and leaves the source and the active backend alone', async () => {
    const x = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
    const y = await x.to('other');
    expect(y.backend).toBe(other);
    expect(x.backend).toBe(cpu);
    expect(getBackend()).toBe(cpu);
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    expect(y.requiresGrad).toBe(false);
    const same = await x.to('cpu');
    expect(same).not.toBe(x);
    expect(same.backend).toBe(cpu);
    await expect(x.to('nowhere')).rejects.toThrow(/^to: unknown backend 'nowhere' \(registered: cpu, other\)$/);
    for (const t of [x, y, same]) t.dispose();
  });

  it('module.to(name) moves every parameter and grad in place: same objects, new backend, same values; counts move with them', async () => {
    const net = new Sequential(new Linear(3, 2), new Linear(2, 1));
    const params = net.parameters();
    const before = params.map((p) => Array.from(p.dataSync()));
    sum(net.forward(tensor([[1, 2, 3]]))).backward();
    const grads = params.map((p) => p.grad);
    const cpuBefore = memoryByBackend()[0];
    const otherBefore = memoryByBackend()[1];
    expect(await net.to('other')).toBe(net);
    expect(net.parameters()).toEqual(params);
    params.forEach((p, i) => {
      expect(p.backend).toBe(other);
      expect(p.grad).toBe(grads[i]);
      expect(p.grad?.backend).toBe(other);
      expect(Array.from(p.dataSync())).toEqual(before[i]);
    });
    const moved = 2 * params.length; // parameters and their grads
    expect(memoryByBackend()[0]?.numTensors).toBe((cpuBefore?.numTensors ?? 0) - moved);
    expect(memoryByBackend()[1]?.numTensors).toBe((otherBefore?.numTensors ?? 0) + moved);
    expect(memoryByBackend()[0]?.numDataIds).toBe((cpuBefore?.numDataIds ?? 0) - moved);
    // The model now runs on the other backend.
    await setBackend('other');
    const out = net.forward(tensor([[1, 2, 3]]));
    expect(out.backend).toBe(other);
    out.dispose();
    net.zeroGrad();
    for (const p of params) p.dispose();
  });
});

describe('an un-awaited setBackend', () => {
  it('warns once, on the first op that resolves the active backend before it finished', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    registerBackend('slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return new CpuBackend();
    }, 0);
    const switching = setBackend('slow');
    const early = zeros([2]);
    const later = zeros([2]);
    expect(early.backend).toBe(cpu);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toBe("tapegrad: setBackend('slow') has not finished, so this op runs on 'cpu'; await setBackend('slow') before creating tensors");
    const slow = await switching;
    expect(getBackend()).toBe(slow);
    expect(memory().backend).toBe('slow');
    const settled = zeros([2]);
    expect(warn).toHaveBeenCalledTimes(1);
    for (const t of [early, later, settled]) t.dispose();
  });

  it('switching to a backend already created takes effect at once and does not warn', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    void setBackend('other');
    const t = zeros([1]);
    expect(t.backend).toBe(other);
    expect(warn).not.toHaveBeenCalled();
    t.dispose();
  });
});
