/** The `nin` commands on good input: summary, train (save, plot, resume), eval, predict. */
import '@tapegrad/backend-cpu';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '@tapegrad/nn';
import { FASHION_MNIST_CLASSES, nin as buildNin } from '@tapegrad/nin';
import { ensureBuilt } from './build.js';
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

  it('summary prints a torchinfo table: every layer with its type, output shape and parameters, then the totals', async () => {
    const d2l = await nin('summary');
    expect(d2l.code).toBe(0);
    expect(d2l.stderr).toEqual([]);
    const row = (name: string): string[] | undefined => d2l.stdout.find((l) => l.trim().split(/\s{2,}/)[0] === name)?.trim().split(/\s{2,}/);
    expect(d2l.stdout[1].split(/\s{2,}/)).toEqual(['Layer', 'Type', 'Output shape', 'Params']);
    // Conv2d(1, 96, 11): 1 * 96 * 11 * 11 weights and 96 biases.
    expect(row('0.0')).toEqual(['0.0', 'Conv2d', '[1, 96, 54, 54]', '11,712']);
    expect(row('0')).toEqual(['0', 'Sequential', '[1, 96, 54, 54]', '--']);
    expect(row('0.1')).toEqual(['0.1', 'ReLU', '[1, 96, 54, 54]', '--']);
    expect(row('5')).toEqual(['5', 'MaxPool2d', '[1, 384, 5, 5]', '--']);
    expect(row('9')).toEqual(['9', 'Flatten', '[1, 10]', '--']);
    const d2lParams = buildNin({ variant: 'd2l' }).parameters().reduce((n, p) => n + p.size, 0);
    expect(d2l.stdout).toContain(`Total params: ${d2lParams.toLocaleString('en-US')}`);
    expect(d2l.stdout).toContain(`Trainable params: ${d2lParams.toLocaleString('en-US')}`);
    expect(d2l.stdout).toContain('Input: [1, 1, 224, 224]; forward: 0.762 G multiply-adds (convolutions)');
    // The top-level rows are the chapter's ten layers, with the chapter's shapes.
    const small = await nin('summary', '--variant', 'small');
    const topLevel = small.stdout.filter((l) => /^\d+ /.test(l)).map((l) => l.split(/\s{2,}/)[2]);
    expect(topLevel).toEqual([
      '[1, 16, 28, 28]', '[1, 16, 13, 13]', '[1, 32, 13, 13]', '[1, 32, 6, 6]', '[1, 64, 6, 6]',
      '[1, 64, 2, 2]', '[1, 64, 2, 2]', '[1, 10, 2, 2]', '[1, 10, 1, 1]', '[1, 10]',
    ]);
    // Each parameter counted once: the leaf rows add up to the total.
    const leafParams = small.stdout.filter((l) => /^ +\d+\.\d+ /.test(l)).map((l) => l.trim().split(/\s{2,}/)[3]).filter((p) => p !== '--');
    const total = leafParams.reduce((n, p) => n + Number(p.replace(/,/g, '')), 0);
    expect(small.stdout).toContain(`Total params: ${total.toLocaleString('en-US')}`);
    const larger = await nin('summary', '--variant', 'small', '--input', '32');
    expect(larger.stdout.find((l) => l.startsWith('0 '))).toMatch(/\[1, 16, 32, 32\]/);
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
    expect(result.stdout[0]).toBe(`data: ${data} (from --data)`);
    expect(result.stdout[1]).toMatch(/^training small NiN \(widths 4, 6, 8\), input 28x28 on 300 images, testing on 100/);
    expect(epochLines(result.stdout)).toHaveLength(2);
    expect(result.stdout.at(-1)).toMatch(/^final test acc 0\.\d{3}; checkpoint .*tiny\.safetensors; plot .*tiny\.svg$/);
    const { metadata } = await readSafetensorsFile(path('tiny.safetensors'));
    expect(metadata).toMatchObject({ variant: 'small', inputSize: '28', epoch: '2', seed: '0', widths: '[4,6,8]' });
    expect(metadata['tapegrad.optimizer']).toMatch(/"type":"Adam"/);
    expect(await readFile(path('tiny.svg'), 'utf8')).toMatch(/<svg[^>]*>.*test acc.*<\/svg>/s);

    const evaluated = await nin('eval', '--weights', path('tiny.safetensors'), '--data', data, '--limit-test', '100');
    expect(evaluated.code).toBe(0);
    expect(evaluated.stdout[0]).toBe(`data: ${data} (from --data)`);
    expect(evaluated.stdout.at(-1)).toMatch(/^test acc 0\.\d{3}$/);
    // The same model on the same 100 images: the last epoch's test accuracy.
    const lastTestAcc = /test acc (0\.\d{3})/.exec(epochLines(result.stdout)[1])?.[1];
    expect(evaluated.stdout.at(-1)).toBe(`test acc ${lastTestAcc}`);
    const evaluatedJson = await nin('eval', '--weights', path('tiny.safetensors'), '--data', data, '--limit-test', '100', '--json');
    expect(evaluatedJson.code).toBe(0);
    expect(evaluatedJson.stdout).toHaveLength(1);
    expect(evaluatedJson.stderr).toEqual([`data: ${data} (from --data)`]);
    const report = JSON.parse(evaluatedJson.stdout[0]) as Record<string, unknown>;
    expect(report).toMatchObject({ weights: path('tiny.safetensors'), variant: 'small', widths: [4, 6, 8], inputSize: 28, data, images: 100 });
    expect((report.accuracy as number).toFixed(3)).toBe(lastTestAcc);

    const png = new PNG({ width: 40, height: 30 });
    png.data.fill(128);
    await writeFile(path('gray.png'), PNG.sync.write(png));
    const idx = join(data, 't10k-images-idx3-ubyte.gz');
    const text = await nin('predict', '--weights', path('tiny.safetensors'), '--top', '2', path('gray.png'));
    expect(text.code).toBe(0);
    expect(text.stdout).toHaveLength(1);
    expect(text.stdout[0]).toMatch(/gray\.png: .+ 0\.\d{3}, .+ 0\.\d{3}$/);
    const json = await nin('predict', '--weights', path('tiny.safetensors'), '--json', '--top', '2', path('gray.png'), idx);
    expect(json.code).toBe(0);
    expect(json.stdout).toHaveLength(1);
    type Ranked = { label: number; className: string; probability: number };
    const records = JSON.parse(json.stdout[0]) as { source: string; index: number; logits: number[]; probabilities: number[]; label: number; className: string; top: Ranked[] }[];
    expect(records).toHaveLength(10_001);
    expect(Object.keys(records[0])).toEqual(['source', 'index', 'logits', 'probabilities', 'label', 'className', 'top']);
    expect(records.slice(0, 3).map((r) => [r.source.endsWith('gray.png'), r.index])).toEqual([[true, 0], [false, 0], [false, 1]]);
    for (const r of records.slice(0, 50)) {
      expect(r.logits).toHaveLength(10);
      expect(r.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(r.className).toBe(FASHION_MNIST_CLASSES[r.label]);
      // --top 2: the two most probable classes, the first being the predicted one.
      expect(r.top).toHaveLength(2);
      expect(r.top[0]).toEqual({ label: r.label, className: r.className, probability: r.probabilities[r.label] });
      expect(r.top[1].probability).toBe(Math.max(...r.probabilities.filter((_, i) => i !== r.label)));
    }
    // The same two classes as the text output.
    const [first] = records;
    expect(text.stdout[0]).toBe(`${first.source}: ${first.top.map((t) => `${t.className} ${t.probability.toFixed(3)}`).join(', ')}`);
  });

  it('resumes to the same weights and lines as an uninterrupted run', async () => {
    const common = [...TINY, '--data', await fashionMnistDir(), '--schedule', 'constant', '--seed', '3'];
    const straight = await nin('train', ...common, '--epochs', '2', '--save', path('straight.safetensors'));
    const first = await nin('train', ...common, '--epochs', '1', '--save', path('part.safetensors'));
    const rest = await nin('train', '--resume', path('part.safetensors'), '--data', await fashionMnistDir(), '--epochs', '2', '--save', path('resumed.safetensors'));
    for (const r of [straight, first, rest]) expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(rest.stdout.find((l) => l.startsWith('training '))).toMatch(/resuming after epoch 1$/);
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
    expect(result.stdout.slice(1)).toEqual((await nin('summary', '--variant', 'small')).stdout);
  });

  it('runs as an executable', async () => {
    await ensureBuilt();
    const result = await ninProcess('summary', '--variant', 'small');
    expect(result).toMatchObject({ code: 0, stderr: [] });
    expect(result.stdout).toEqual((await nin('summary', '--variant', 'small')).stdout);
  }, 300_000);
});
