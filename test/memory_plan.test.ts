/**
 * The CPU backend's memory plan (a training step holds each block's output once, and backward
 * frees activations as it consumes them) and its arena (freed blocks of any size are reused),
 * measured with the arena's own counters, and its out-of-memory refusal.
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { conv2d, crossEntropy, getBackend, globalAvgPool2d, manualSeed, maxPool2d, noGrad, randn, relu, reshape, setBackend, tidy, zeros, type Tensor } from '@tapegrad/core';
import { nin } from '@tapegrad/nin';
import { Conv2d, Flatten, GlobalAvgPool2d, MaxPool2d, ReLU, Sequential } from '@tapegrad/nn';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

let cpu: CpuBackend;

beforeAll(async () => {
  const backend = await setBackend('cpu');
  if (!(backend instanceof CpuBackend)) throw new Error('the cpu backend is not a CpuBackend');
  cpu = backend;
});

const MiB = 2 ** 20;
const N = 16;
const SIDE = 32;
const WIDTH = 32;
const bytesOf = (...shape: number[]): number => 4 * shape.reduce((a, b) => a * b, 1);

/** Most bytes in use at once while `step` runs (storage and kernel scratch). */
function peakInUse(step: () => void): number {
  cpu.resetArenaHighWater();
  step();
  return cpu.arenaStats().peakInUse;
}

describe('the memory plan of a conv-relu-pool training step', () => {
  // [N, 3, 32, 32] -> conv3x3+relu -> conv1x1+relu -> maxpool 2 -> conv1x1(10)+relu -> global pool -> [N, 10].
  const activation = bytesOf(N, WIDTH, SIDE, SIDE);
  const input = bytesOf(N, 3, SIDE, SIDE);
  const pooled = bytesOf(N, WIDTH, SIDE / 2, SIDE / 2);
  /**
   * What the plan needs at most: the saved forward tensors (input, two block outputs, the pooled
   * map and the classifier's small outputs) plus a backward working set of three full activations
   * (the incoming gradient, its ReLU-masked copy and the input gradient), and 1 MiB for parameters,
   * gradients and kernel scratch. Holding the pre-activations as well would add two activations.
   */
  const bound = input + 2 * activation + 2 * pooled + 3 * activation + MiB;

  function data(): { images: Tensor; labels: number[] } {
    manualSeed(1);
    return { images: randn([N, 3, SIDE, SIDE]), labels: Array.from({ length: N }, (_, i) => i % 10) };
  }

  it('through nn (fused Conv2d+ReLU, released intermediates) stays under the computed bound', () => {
    manualSeed(0);
    const net = new Sequential(
      new Conv2d(3, WIDTH, 3, 1, 1), new ReLU(), new Conv2d(WIDTH, WIDTH, 1), new ReLU(), new MaxPool2d(2),
      new Conv2d(WIDTH, 10, 1), new ReLU(), new GlobalAvgPool2d(), new Flatten(),
    );
    const { images, labels } = data();
    const step = (): void => tidy(() => {
      crossEntropy(net.forward(images), labels).backward();
      for (const p of net.parameters()) p.grad = null;
    });
    step(); // first step: the .grad slots and workers settle
    const peak = peakInUse(step);
    expect(peak, `peak ${(peak / MiB).toFixed(2)} MiB, bound ${(bound / MiB).toFixed(2)} MiB`).toBeLessThanOrEqual(bound);
    images.dispose();
  });

  it('the same network from plain ops (pre-activations held by tidy until the step ends) exceeds that bound', () => {
    manualSeed(0);
    const weights = [randn([WIDTH, 3, 3, 3], { requiresGrad: true }), randn([WIDTH, WIDTH, 1, 1], { requiresGrad: true }), randn([10, WIDTH, 1, 1], { requiresGrad: true })];
    const { images, labels } = data();
    const step = (): void => tidy(() => {
      const h1 = relu(conv2d(images, weights[0], null, { padding: 1 }));
      const h2 = maxPool2d(relu(conv2d(h1, weights[1])), { kernelSize: 2 });
      const logits = reshape(globalAvgPool2d(relu(conv2d(h2, weights[2]))), [N, 10]);
      crossEntropy(logits, labels).backward();
      for (const w of weights) w.grad = null;
    });
    step();
    expect(peakInUse(step)).toBeGreaterThan(bound);
    for (const t of [images, ...weights]) t.dispose();
  });
});

describe('the arena reuses freed blocks of any size', () => {
  it('nin-small forward passes at every batch from 1 to 128, each result disposed: the range grows no further than the largest pass needs', () => {
    manualSeed(0);
    const model = nin({ variant: 'small' });
    model.eval();
    const image = (batch: number): Tensor => zeros([batch, 1, 28, 28]);
    const forward = (batch: number): void => noGrad(() => tidy(() => {
      model.forward(image(batch));
    }));
    forward(128);
    const before = cpu.arenaStats();
    cpu.resetArenaHighWater();
    const largest = peakInUse(() => forward(128)) - before.inUse;
    cpu.resetArenaHighWater();
    for (let batch = 1; batch <= 128; batch++) forward(batch);
    const after = cpu.arenaStats();
    expect(after.inUse).toBe(before.inUse);
    // Fragmentation may cost up to half the largest pass again; an allocator that reuses only
    // blocks of the same size would need the sum over all 128 batch sizes.
    expect(after.highWater - before.top).toBeLessThanOrEqual(1.5 * largest);
  });

  it('1,000 create/dispose cycles of tensors of random sizes stay within a bounded range', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const before = cpu.arenaStats();
    cpu.resetArenaHighWater();
    const live: Tensor[] = [];
    let mostLive = 0;
    for (let i = 0; i < 1000; i++) {
      live.push(zeros([1 + Math.floor(random() * 200_000)]));
      mostLive = Math.max(mostLive, cpu.arenaStats().inUse - before.inUse);
      if (live.length > 6 || random() < 0.3) live.splice(Math.floor(random() * live.length), 1)[0].dispose();
    }
    for (const t of live) t.dispose();
    const after = cpu.arenaStats();
    expect(after.inUse).toBe(before.inUse);
    expect(after.highWater - before.top).toBeLessThanOrEqual(3 * mostLive);
  });
});

describe('out of memory on the cpu backend', () => {
  it('a tensor past the 4 GiB that 32-bit WebAssembly reaches is refused at once, saying what to change', () => {
    const rss = process.memoryUsage().rss;
    expect(() => zeros([2 ** 31])).toThrow(/cpu backend: out of memory: 8192 MiB more needed with \d+ MiB in use, at most 40\d\d MiB; use a smaller batch \(--batch-size\)/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * MiB);
    expect(getBackend().numBytes()).toBeGreaterThanOrEqual(0);
  });

  it('TAPEGRAD_CPU_MEMORY_LIMIT lowers the cap, and the refusal names it (built dist, child process)', () => {
    const script = `
      import '@tapegrad/backend-cpu';
      import { zeros } from '@tapegrad/core';
      try { zeros([64 * 2 ** 20 / 4]); console.log('allocated'); } catch (error) { console.log(error.message); }
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8', env: { ...process.env, TAPEGRAD_CPU_MEMORY_LIMIT: '48' },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(/^cpu backend: out of memory: 64 MiB more needed with 0 MiB in use, at most 48 MiB; use a smaller batch \(--batch-size\), or raise TAPEGRAD_CPU_MEMORY_LIMIT \(MiB, at most 4096\)$/);
  });

  it('a TAPEGRAD_CPU_MEMORY_LIMIT that is not a size in MiB is refused by name', () => {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', "import '@tapegrad/backend-cpu';"], {
      cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8', env: { ...process.env, TAPEGRAD_CPU_MEMORY_LIMIT: '2GB' },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("TAPEGRAD_CPU_MEMORY_LIMIT must be a whole number of MiB from 16 to 4096, got '2GB'");
  });
});
