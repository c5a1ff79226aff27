/** Every bad input gives exit code 1 and exactly one line `nin: ...` on stderr, never a stack trace. */
import '@tapegrad/backend-cpu';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '@tapegrad/core';
import { Adam, saveSafetensors } from '@tapegrad/nn';
import { main, memoryIo, nin as buildNin, saveRunCheckpoint, type RunInfo } from '@tapegrad/nin';
import { ensureBuilt } from './build.js';
import { nin, ninProcess, type CliResult } from './cli_helpers.js';
import { fashionMnistDir } from './fixtures.js';

const RUN: RunInfo = {
  model: { variant: 'small', widths: [4, 4, 4], numClasses: 10, inputSize: 28 },
  settings: { optimizer: 'adam', lr: 0.003, schedule: 'cosine', init: 'data', batchSize: 50, seed: 0, epochs: 2, limitTrain: 200, limitTest: 100 },
  epoch: 1,
  history: [{ epoch: 1, loss: 2, trainAcc: 0.2, testAcc: 0.2, seconds: 1 }],
};

function expectOneLineError(result: CliResult, pattern: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toHaveLength(1);
  expect(result.stderr[0]).toMatch(/^nin: /);
  expect(result.stderr[0]).toMatch(pattern);
  expect(result.stderr[0]).not.toMatch(/\n|\s at \S+ \(/);
}

describe('nin bad input', () => {
  let dir: string;
  const path = (name: string): string => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nin-cli-'));
    manualSeed(0);
    const model = buildNin({ variant: 'small', widths: [4, 4, 4] });
    await saveRunCheckpoint(path('run.safetensors'), model, new Adam(model.parameters()), RUN);
    await saveSafetensors(path('plain.safetensors'), buildNin({ variant: 'small' }).stateDict());
    await writeFile(path('corrupt.safetensors'), Buffer.from('\x10\x00\x00\x00\x00\x00\x00\x00{"a": broken}   '));
    await writeFile(path('notes.png'), 'just some text');
    await writeFile(path('broken.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR garbage')]));
    const image = new PNG({ width: 28, height: 28 });
    image.data.fill(255);
    await writeFile(path('white.png'), PNG.sync.write(image));
    await mkdir(path('folder.safetensors'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('no command', async () => expectOneLineError(await nin(), /missing command/));
  it('unknown command', async () => expectOneLineError(await nin('fit'), /unknown command 'fit'/));
  it('unknown flag', async () => expectOneLineError(await nin('train', '--foo', '1'), /train: unknown option '--foo'/));
  it('unknown backend', async () => expectOneLineError(await nin('summary', '--backend', 'tpu'), /unknown backend 'tpu' \(expected cpu or gpujs\)/));
  it('option without its value', async () => expectOneLineError(await nin('train', '--epochs'), /option '--epochs' needs a value/));
  it('malformed number', async () => expectOneLineError(await nin('train', '--epochs', 'two'), /--epochs must be a positive integer up to 10000, got 'two'/));
  it('zero batch size', async () => expectOneLineError(await nin('train', '--batch-size', '0'), /--batch-size must be a positive integer up to 60000, got '0'/));
  it('negative learning rate', async () => expectOneLineError(await nin('train', '--lr=-1'), /--lr must be a positive number up to 1000, got '-1'/));
  it('negative numbers after a space are values, refused by their option', async () => {
    expectOneLineError(await nin('train', '--epochs', '-1'), /^nin: --epochs must be a positive integer up to 10000, got '-1'$/);
    expectOneLineError(await nin('train', '--lr', '-0.5'), /^nin: --lr must be a positive number up to 1000, got '-0\.5'$/);
    expectOneLineError(await nin('train', '--seed', '-3'), /^nin: --seed must be a non-negative integer up to 4294967295, got '-3'$/);
    expectOneLineError(await nin('predict', '--top', '-2', '--weights', 'w.safetensors', 'x.png'), /^nin: --top must be a positive integer, got '-2'$/);
  });
  it('absurd and non-finite values are refused when the options are parsed, naming the flag', async () => {
    for (const lr of ['1e308', 'Infinity', 'NaN', '1e4']) expectOneLineError(await nin('train', '--lr', lr), new RegExp(`^nin: --lr must be a positive number up to 1000, got '${lr}'$`));
    expectOneLineError(await nin('train', '--epochs', '1e9'), /--epochs must be a positive integer up to 10000, got '1e9'/);
    expectOneLineError(await nin('train', '--epochs', '99999999999999999999'), /--epochs must be a positive integer up to 10000/);
    expectOneLineError(await nin('train', '--batch-size', '100000'), /--batch-size must be a positive integer up to 60000, got '100000'/);
    expectOneLineError(await nin('train', '--seed', '4294967296'), /--seed must be a non-negative integer up to 4294967295/);
    expectOneLineError(await nin('train', '--widths', '4,4,100000'), /--widths must be three positive integers up to 4096/);
    expectOneLineError(await nin('eval', '--weights', 'w.safetensors', '--batch-size', '1e6'), /--batch-size must be a positive integer up to 60000/);
    expectOneLineError(await nin('summary', '--input', '100000'), /--input must be a positive integer up to 1024, got '100000'/);
  });
  it('--resize is bounded and checked against the network before any data loads', async () => {
    // --data names no data at all: the --resize error must come first
    expectOneLineError(await nin('train', '--resize', '100000', '--data', path('no-data')), /^nin: --resize must be a positive integer up to 1024, got '100000'$/);
    expectOneLineError(await nin('train', '--resize', '8', '--data', path('no-data')), /^nin: --resize 8: too small for the small NiN \(.*kernel/);
    expectOneLineError(await nin('train', '--variant', 'd2l', '--resize', '40', '--data', path('no-data')), /^nin: --resize 40: too small for the d2l NiN/);
  });
  it('unknown variant', async () => expectOneLineError(await nin('summary', '--variant', 'huge'), /--variant must be 'd2l' or 'small', got 'huge'/));
  it('input too small for the network', async () => expectOneLineError(await nin('summary', '--input', '20'), /kernel .* larger than the padded input/));
  it('stray argument', async () => expectOneLineError(await nin('summary', 'extra'), /unexpected argument 'extra'/));
  it('help with a stray argument', async () => {
    expectOneLineError(await nin('help', 'stray'), /^nin: help: unexpected argument 'stray' \(nin help COMMAND, COMMAND one of summary, train, eval, predict, export\)$/);
    expectOneLineError(await nin('help', 'train', 'extra'), /^nin: help: unexpected argument 'extra'/);
    expectOneLineError(await nin('--help', 'stray'), /^nin: --help: unexpected argument 'stray'/);
    const train = await nin('help', 'train');
    expect(train.code).toBe(0);
    expect(train.stdout.join('\n')).toMatch(/^Usage: nin train/);
  });
  it('--data that does not hold the data is an error, not a fall-through to $TAPEGRAD_DATA', async () => {
    const data = await fashionMnistDir();
    // the in-process environment would find the data through TAPEGRAD_DATA; --data must not
    const io = memoryIo({ TAPEGRAD_DATA: dirname(data) });
    expect(await main(['eval', '--weights', path('run.safetensors'), '--data', path('no-data')], io)).toBe(1);
    expect(io.stderr).toEqual([expect.stringMatching(/^nin: --data .*no-data: no Fashion-MNIST there \(.*no-data: does not exist; .*fashion-mnist: does not exist\); DIR or DIR\/fashion-mnist must hold /)]);
    expectOneLineError(await nin('eval', '--weights', path('run.safetensors'), '--data', path('white.png')), /white\.png: not a directory/);
    expectOneLineError(await nin('eval', '--weights', path('run.safetensors'), '--data', dir), /no Fashion-MNIST there \(.*: missing train-images-idx3-ubyte\.gz, /);
  });
  it('eval without weights', async () => expectOneLineError(await nin('eval'), /--weights FILE is required/));
  it('missing checkpoint', async () => expectOneLineError(await nin('eval', '--weights', path('nope.safetensors')), /nope\.safetensors: no such file/));
  it('corrupt checkpoint', async () => expectOneLineError(await nin('eval', '--weights', path('corrupt.safetensors')), /corrupt\.safetensors/));
  it('file without metadata and no --variant', async () => {
    expectOneLineError(await nin('predict', '--weights', path('plain.safetensors'), path('white.png')), /no 'variant' metadata.*--variant/);
  });
  it('checkpoint of the wrong shapes', async () => {
    expectOneLineError(await nin('predict', '--weights', path('plain.safetensors'), '--variant', 'd2l', path('white.png')), /does not fit the d2l NiN.*size mismatch/);
  });
  it('checkpoint of another variant than --variant', async () => {
    expectOneLineError(await nin('predict', '--weights', path('run.safetensors'), '--variant', 'd2l', path('white.png')), /holds a 'small' NiN, not 'd2l'/);
  });
  it('image that is not an image', async () => {
    expectOneLineError(await nin('predict', '--weights', path('run.safetensors'), path('notes.png')), /notes\.png: not an image/);
  });
  it('corrupt PNG', async () => {
    expectOneLineError(await nin('predict', '--weights', path('run.safetensors'), path('broken.png')), /broken\.png: corrupt PNG image/);
  });
  it('missing image', async () => {
    expectOneLineError(await nin('predict', '--weights', path('run.safetensors'), path('gone.png')), /gone\.png: no such file/);
  });
  it('a bad image among good ones: that file reported, the others predicted, exit code 1', async () => {
    const good = path('white.png');
    const result = await nin('predict', '--weights', path('run.safetensors'), '--top', '1', good, path('notes.png'), good);
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([`nin: ${path('notes.png')}: not an image (expected a PNG file or an IDX image file)`]);
    expect(result.stdout).toHaveLength(2);
    for (const line of result.stdout) expect(line).toMatch(/white\.png\[0\]: .+ [01]\.\d{3}$/);
    const json = await nin('predict', '--weights', path('run.safetensors'), '--json', path('gone.png'), good, path('broken.png'));
    expect(json.code).toBe(1);
    expect(json.stderr).toHaveLength(2);
    expect(json.stderr[0]).toMatch(/^nin: .*gone\.png: no such file$/);
    expect(json.stderr[1]).toMatch(/^nin: .*broken\.png: corrupt PNG image/);
    const records = JSON.parse(json.stdout.join('\n')) as { source: string; index: number }[];
    expect(records.map((r) => [r.source, r.index])).toEqual([[good, 0]]);
  });
  it('IDX label file given as images', async () => {
    const labels = join(await fashionMnistDir(), 't10k-labels-idx1-ubyte.gz');
    expectOneLineError(await nin('predict', '--weights', path('run.safetensors'), labels), /is an IDX label file, not images/);
  });
  it('predict without images', async () => expectOneLineError(await nin('predict', '--weights', path('run.safetensors')), /no images given/));
  it('resume from a file that is not a training checkpoint', async () => {
    expectOneLineError(await nin('train', '--resume', path('plain.safetensors')), /cannot be resumed/);
  });
  it('resume with a setting the checkpoint fixes', async () => {
    expectOneLineError(await nin('train', '--resume', path('run.safetensors'), '--lr', '0.1'), /--lr cannot be changed when resuming/);
  });
  it('resume past the planned epochs without --epochs', async () => {
    expectOneLineError(await nin('train', '--resume', path('run.safetensors'), '--epochs', '1'), /already trained 1 epochs; pass --epochs N with N > 1/);
  });
  it('save over a directory', async () => {
    expectOneLineError(await nin('train', '--save', path('folder.safetensors')), /folder\.safetensors: is a directory/);
  });
  it('plot to a file that is not SVG', async () => expectOneLineError(await nin('train', '--plot', path('curves.png')), /must end in \.svg/));
  it('diverging training names the epoch and step', async () => {
    // 1000 is the largest --lr, and enough to blow up the default widths within the first epoch
    const result = await nin('train', '--data', await fashionMnistDir(), '--limit-train', '256', '--limit-test', '64', '--batch-size', '64',
      '--optimizer', 'sgd', '--lr', '1000', '--init', 'model', '--schedule', 'constant');
    expectOneLineError(result, /training diverged: loss is (NaN|Infinity|-Infinity) at epoch 1, step [1-4]; training stopped \(try a lower learning rate\)/);
  });

  describe('as a child process', () => {
    beforeAll(ensureBuilt, 300_000);

    it('unknown flag', async () => expectOneLineError(await ninProcess('eval', '--wieghts', 'x'), /eval: unknown option '--wieghts'/));
    it('missing checkpoint', async () => expectOneLineError(await ninProcess('predict', '--weights', path('nope.safetensors'), path('white.png')), /no such file/));
    it('corrupt PNG', async () => expectOneLineError(await ninProcess('predict', '--weights', path('run.safetensors'), path('broken.png')), /corrupt PNG image/));
  });
});
