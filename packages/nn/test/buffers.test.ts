/** Module.registerBuffer: saved and loaded with the state dict, moved by to(), never trained. */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { getBackend, registerBackend, setBackend, tensor, tidy, zeros, type Tensor } from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Linear, Module, SGD, Sequential } from '../src/index.js';

class Scaler extends Module {
  readonly scale: Tensor;
  readonly shift: Tensor;
  readonly calls: Tensor;

  constructor() {
    super();
    this.scale = this.registerParameter('scale', tensor([2, 3]));
    this.shift = this.registerBuffer('shift', tensor([0.5, -0.5]));
    this.calls = this.registerBuffer('calls', zeros([]), { dtype: 'int64' });
  }

  forward(x: Tensor): Tensor {
    return x.mul(this.scale).add(this.shift);
  }
}

beforeAll(async () => {
  registerBackend('buffers-other', () => new CpuBackend(), 0);
  await setBackend('cpu');
});

describe('registerBuffer', () => {
  it('puts buffers in the state dict after the module\'s parameters and before its children\'s, as PyTorch', () => {
    const net = new Sequential(new Scaler(), new Linear(2, 1));
    expect([...net.stateDict().keys()]).toEqual(['0.scale', '0.shift', '0.calls', '1.weight', '1.bias']);
    expect(net.namedBuffers().map(([k]) => k)).toEqual(['0.shift', '0.calls']);
    expect(net.buffers()).toEqual([(net.at(0) as Scaler).shift, (net.at(0) as Scaler).calls]);
    expect(net.namedParameters().map(([k]) => k)).toEqual(['0.scale', '1.weight', '1.bias']);
  });

  it('a buffer is not trained: not a parameter, no gradient, untouched by an optimizer step', () => {
    const m = new Scaler();
    const optimizer = new SGD(m.parameters(), { lr: 0.1 });
    tidy(() => {
      m.forward(tensor([1, 1])).sum().backward();
    });
    expect(m.shift.grad).toBeNull();
    optimizer.step();
    expect([...m.shift.dataSync()]).toEqual([0.5, -0.5]);
    expect([...m.scale.dataSync()]).toEqual([Math.fround(1.9), Math.fround(2.9)]);
    optimizer.zeroGrad();
  });

  it('survives an enclosing tidy and loads through loadStateDict, keeping its identity', () => {
    let m: Scaler | undefined;
    tidy(() => {
      m = new Scaler();
    });
    const scaler = m as Scaler;
    expect(scaler.shift.isDisposed).toBe(false);
    const shift = scaler.shift;
    scaler.loadStateDict({ scale: tensor([1, 1]), shift: tensor([4, 5]), calls: tensor(3) });
    expect(scaler.shift).toBe(shift);
    expect([...scaler.shift.dataSync()]).toEqual([4, 5]);
    expect(scaler.calls.item()).toBe(3);
    expect(() => scaler.loadStateDict({ scale: tensor([1, 1]), shift: tensor([4, 5, 6]), calls: tensor(3) })).toThrow(/size mismatch for "shift": the model has \[2\], the state dict \[3\]/);
    expect(() => scaler.loadStateDict({ scale: tensor([1, 1]) })).toThrow(/missing keys: "shift", "calls"/);
  });

  it('module.to moves buffers with the parameters, in place', async () => {
    const m = new Scaler();
    const shift = m.shift;
    await m.to('buffers-other');
    expect(m.shift).toBe(shift);
    expect(m.shift.backend).not.toBe(getBackend());
    expect(m.calls.backend).toBe(m.scale.backend);
    expect([...m.shift.dataSync()]).toEqual([0.5, -0.5]);
    await m.to('cpu');
    expect(m.shift.backend).toBe(getBackend());
  });

  it('refuses bad names, clashes, tensors that require grad, recorded outputs, unknown options and dtypes', () => {
    const m = new Scaler();
    expect(() => m.registerBuffer('a.b', zeros([1]))).toThrow(/^registerBuffer: name must be a non-empty string without '\.'/);
    expect(() => m.registerBuffer('shift', zeros([1]))).toThrow(/^registerBuffer: Scaler already has a buffer named 'shift'$/);
    expect(() => m.registerBuffer('scale', zeros([1]))).toThrow(/^registerBuffer: Scaler already has a parameter named 'scale'$/);
    expect(() => m.registerParameter('shift', zeros([1]))).toThrow(/^registerParameter: Scaler already has a buffer named 'shift'$/);
    expect(() => m.registerBuffer('g', zeros([1], { requiresGrad: true }))).toThrow(/^registerBuffer: 'g' must be a leaf tensor that does not require grad/);
    tidy(() => {
      const recorded = zeros([1], { requiresGrad: true }).mul(2);
      expect(() => m.registerBuffer('r', recorded)).toThrow(/must be a leaf tensor that does not require grad/);
    });
    expect(() => m.registerBuffer('x', 3 as unknown as Tensor)).toThrow(/^registerBuffer: 'x' must be a Tensor, got number$/);
    expect(() => m.registerBuffer('o', zeros([1]), { persistent: false } as never)).toThrow(/^registerBuffer: unknown option 'persistent' \(known: dtype\)$/);
    expect(() => m.registerBuffer('d', zeros([1]), { dtype: 'int32' } as never)).toThrow(/^registerBuffer: dtype must be 'float32' or 'int64', got a string "int32"$/);
  });
});
