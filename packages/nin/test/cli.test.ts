/** The `nin` commands on good input: summary, train (save, plot, resume), eval, predict. */
import '@tapegrad/backend-cpu';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '@tapegrad/nn';
import { FASHION_MNIST_CLASSES } from '@tapegrad/nin';
import { nin, ninProcess } from './cli_helpers.js';
import { fashionMnistDir } from './fixtures.js';

const TINY = ['--widths', '4,6,8', '--limit-train', '300', '--limit-test', '100', '--batch-size', '50', '--lr', '0.003'];
const EPOCH_LINE = /^epoch (\d+), loss \d+\.\d{4}, train acc [01]\.\d{3}, test acc [01]\.\d{3}, time \d+\.\d sec$/;

/** The epoch lines of a run, without their times. */
const epochLines = (stdout: readonly string[]): string[] => stdout.filter((l) => EPOCH_LINE.test(l)).map((l) => l.replace(/, time .*$/, ''));

/** The model's tensors (not the optimizer's) of a checkpoint. */
async function modelTensors(path: string): Promise<Map<string, Float32Array>> {
  const { tensors } = await readSafetensorsFile(path);
  return new Map([...tensors].filter(([key]) => !key.startsWith('optimizer.')).map(([key, t]) => [key, t.data]));
}

describe('nin', () => {
  let dir: string;
  const path = (name: string): string => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nin-cli-ok-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('summary prints the chapter lines for both variants', async () => {
    const d2l = await nin('summary');
    expect(d2l.code).toBe(0);
    expect(d2l.stdout[0]).toBe('0 output shape: [1, 96, 54, 54]');
    expect(d2l.stdout.at(-1)).toBe('9 output shape: [1, 10]');
    const small = await nin('summary', '--variant', 'small');
    expect(small.stdout).toEqual([
      '0 output shape: [1, 16, 28, 28]', '1 output shape: [1, 16, 13, 13]', '2 output shape: [1, 32, 13, 13]',
      '3 output shape: [1, 32, 6, 6]', '4 output shape: [1, 64, 6, 6]', '5 output shape: [1, 64, 2, 2]',
      '6 output shape: [1, 64, 2, 2]', '7 output shape: [1, 10, 2, 2]', '8 output shape: [1, 10, 1, 1]', '9 output shape: [1, 10]',
    ]);
    expect(small.stderr).toEqual([]);
    const larger = await nin('summary', '--variant', 'small', '--input', '32');
    expect(larger.stdout[0]).toBe('0 output shape: [1, 16, 32, 32]');
  });

  it('--help prints usage and exits 0', async () => {
    const top = await nin('--help');
    expect(top.code).toBe(0);
    expect(top.stdout.join('\n')).toMatch(/summary.*\n.*train.*\n.*eval.*\n.*predict/);
    const train = await nin('train', '--help');
    expect(train.stdout.join('\n')).toMatch(/--resume FILE/);
  });

  it('trains with a checkpoint and a plot, then evaluates and predicts with it', async () => {
    const data = await fashionMnistDir();
    const result = await nin('train', ...TINY, '--data', data, '--epochs', '2', '--save', path('tiny.safetensors'), '--plot', path('tiny.svg'));
    expect(result.stderr).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout[0]).toMatch(/^training small NiN \(widths 4, 6, 8\), input 28x28 on 300 images, testing on 100/);
    expect(epochLines(result.stdout)).toHaveLength(2);
    expect(result.stdout.at(-1)).toMatch(/^final test acc 0\.\d{3}; checkpoint .*tiny\.safetensors; plot .*tiny\.svg$/);
    const { metadata } = await readSafetensorsFile(path('tiny.safetensors'));
    expect(metadata).toMatchObject({ variant: 'small', inputSize: '28', epoch: '2', seed: '0', widths: '[4,6,8]' });
    expect(metadata['tapegrad.optimizer']).toMatch(/"type":"Adam"/);
    expect(await readFile(path('tiny.svg'), 'utf8')).toMatch(/<svg[^>]*>.*test acc.*<\/svg>/s);

    const evaluated = await nin('eval', '--weights', path('tiny.safetensors'), '--data', data, '--limit-test', '100');
    expect(evaluated.code).toBe(0);
    expect(evaluated.stdout.at(-1)).toMatch(/^test acc 0\.\d{3}$/);
    // The same model on the same 100 images: the last epoch's test accuracy.
    const lastTestAcc = /test acc (0\.\d{3})/.exec(epochLines(result.stdout)[1])?.[1];
    expect(evaluated.stdout.at(-1)).toBe(`test acc ${lastTestAcc}`);

    const png = new PNG({ width: 40, height: 30 });
    png.data.fill(128);
    await writeFile(path('gray.png'), PNG.sync.write(png));
    const idx = join(data, 't10k-images-idx3-ubyte.gz');
    const text = await nin('predict', '--weights', path('tiny.safetensors'), '--top', '2', path('gray.png'));
    expect(text.code).toBe(0);
    expect(text.stdout).toHaveLength(1);
    expect(text.stdout[0]).toMatch(/gray\.png: .+ 0\.\d{3}, .+ 0\.\d{3}$/);
    const json = await nin('predict', '--weights', path('tiny.safetensors'), '--json', path('gray.png'), idx);
    expect(json.code).toBe(0);
    expect(json.stdout).toHaveLength(1);
    const records = JSON.parse(json.stdout[0]) as { source: string; index: number; logits: number[]; probabilities: number[]; label: number; className: string }[];
    expect(records).toHaveLength(10_001);
    expect(Object.keys(records[0])).toEqual(['source', 'index', 'logits', 'probabilities', 'label', 'className']);
    expect(records.slice(0, 3).map((r) => [r.source.endsWith('gray.png'), r.index])).toEqual([[true, 0], [false, 0], [false, 1]]);
    for (const r of records.slice(0, 50)) {
      expect(r.logits).toHaveLength(10);
      expect(r.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(r.className).toBe(FASHION_MNIST_CLASSES[r.label]);
    }
  });

  it('resumes to the same weights and lines as an uninterrupted run', async () => {
    const common = [...TINY, '--data', await fashionMnistDir(), '--schedule', 'constant', '--seed', '3'];
    const straight = await nin('train', ...common, '--epochs', '2', '--save', path('straight.safetensors'));
    const first = await nin('train', ...common, '--epochs', '1', '--save', path('part.safetensors'));
    const rest = await nin('train', '--resume', path('part.safetensors'), '--data', await fashionMnistDir(), '--epochs', '2', '--save', path('resumed.safetensors'));
    for (const r of [straight, first, rest]) expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(rest.stdout[0]).toMatch(/resuming after epoch 1$/);
    expect([...epochLines(first.stdout), ...epochLines(rest.stdout)]).toEqual(epochLines(straight.stdout));
    const expected = await modelTensors(path('straight.safetensors'));
    const resumed = await modelTensors(path('resumed.safetensors'));
    expect([...resumed.keys()]).toEqual([...expected.keys()]);
    for (const [key, values] of resumed) expect(values, key).toEqual(expected.get(key));
  });

  it('reports the gpu.js mode when it computes on gpujs', async () => {
    const result = await nin('summary', '--variant', 'small', '--backend', 'gpujs');
    expect(result.code).toBe(0);
    expect(result.stdout[0]).toMatch(/^backend: gpujs \(mode \w+\)$/);
    expect(result.stdout.at(-1)).toBe('9 output shape: [1, 10]');
  });

  it('runs as an executable', async () => {
    const result = await ninProcess('summary', '--variant', 'small');
    expect(result).toMatchObject({ code: 0, stderr: [] });
    expect(result.stdout).toHaveLength(10);
  });
});
