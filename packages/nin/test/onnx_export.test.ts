/**
 * NiN as ONNX: the exported small and d2l networks (d2l narrowed, at its 224x224 input) run in ONNX
 * Runtime (onnxruntime-node, CPU) give tapegrad's logits, and `nin export` writes such a file from
 * a checkpoint. Agreement: the largest absolute difference of the logits over the largest |logit|
 * (relative to the logits' scale), at most 1e-5.
 */
import '@tapegrad/backend-cpu';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, tensor } from '@tapegrad/core';
import { saveSafetensors } from '@tapegrad/nn';
import { initFromData, loadModel, nin as buildNin, saveModelToBytes, type NinOptions } from '@tapegrad/nin';
import { exportOnnxToBytes } from '@tapegrad/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreement, runOnnx, runTapegrad, uniformValues } from '../../onnx/test/onnx_runtime.js';
import { nin, type CliResult } from './cli_helpers.js';

/** A NiN whose convolutions are rescaled on `images` (`initFromData`), so that no layer starts silent. */
function ninOn(options: NinOptions, images: { data: Float32Array; shape: readonly number[] }): ReturnType<typeof buildNin> {
  manualSeed(5);
  const net = buildNin(options);
  initFromData(net, tensor(images.data, [...images.shape]));
  return net;
}

describe('NiN exported to ONNX', () => {
  it('small: ONNX Runtime gives tapegrad\'s logits, for another batch size than exported', async () => {
    const net = ninOn({ variant: 'small' }, uniformValues([8, 1, 28, 28], 1, 0, 1));
    const bytes = await exportOnnxToBytes(net, [1, 1, 28, 28]);
    const x = uniformValues([6, 1, 28, 28], 2, 0, 1);
    const [onnx, ours] = [await runOnnx(bytes, x), await runTapegrad(net, x)];
    expect(onnx.shape).toEqual([6, 10]);
    const { relative, maxRef } = agreement(onnx, ours);
    expect(maxRef).toBeGreaterThan(0.1);
    expect(relative).toBeLessThanOrEqual(1e-5);
  });

  it('d2l geometry at 224x224 (widths 24, 64, 96 instead of 96, 256, 384)', async () => {
    const net = ninOn({ variant: 'd2l', widths: [24, 64, 96] }, uniformValues([2, 1, 224, 224], 3, 0, 1));
    const bytes = await exportOnnxToBytes(net, [1, 1, 224, 224]);
    const x = uniformValues([2, 1, 224, 224], 4, 0, 1);
    const [onnx, ours] = [await runOnnx(bytes, x), await runTapegrad(net, x)];
    expect(onnx.shape).toEqual([2, 10]);
    const { relative, maxRef } = agreement(onnx, ours);
    expect(maxRef).toBeGreaterThan(0.1);
    expect(relative).toBeLessThanOrEqual(1e-5);
  });
});

function expectOneLineError(result: CliResult, pattern: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toEqual([]);
  expect(result.stderr).toHaveLength(1);
  expect(result.stderr[0]).toMatch(/^nin: /);
  expect(result.stderr[0]).toMatch(pattern);
}

describe('nin export', () => {
  let dir: string;
  const path = (name: string): string => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nin-export-'));
    const net = ninOn({ variant: 'small', widths: [4, 8, 8] }, uniformValues([4, 1, 28, 28], 6, 0, 1));
    await writeFile(path('small.safetensors'), await saveModelToBytes(net, { variant: 'small', widths: [4, 8, 8], numClasses: 10, inputSize: 28 }));
    await saveSafetensors(path('plain.safetensors'), net.stateDict());
    await writeFile(path('corrupt.safetensors'), Buffer.from('\x10\x00\x00\x00\x00\x00\x00\x00{"a": broken}   '));
    await writeFile(path('blocker'), 'a file where a folder would be');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the checkpoint\'s model (variant and widths from its metadata); ONNX Runtime gives nin\'s logits', async () => {
    const result = await nin('export', '--weights', path('small.safetensors'), '--onnx', path('small.onnx'));
    expect(result.stderr).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toHaveLength(1);
    expect(result.stdout[0]).toMatch(new RegExp(`^wrote ${path('small.onnx')}: small NiN \\(widths 4, 8, 8\\), input 28x28, 10 classes; ` +
      'input \\[N, 1, 28, 28\\] -> output \\[N, 10\\]; ONNX opset 17, \\d+ bytes$'));
    const { model } = await loadModel(path('small.safetensors'));
    const x = uniformValues([3, 1, 28, 28], 8, 0, 1);
    const [onnx, ours] = [await runOnnx(await readFile(path('small.onnx')), x), await runTapegrad(model, x)];
    expect(onnx.shape).toEqual([3, 10]);
    expect(agreement(onnx, ours).relative).toBeLessThanOrEqual(1e-5);
    expect((await readdir(dir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('a file without metadata takes --variant; without it, the error says to pass it', async () => {
    expectOneLineError(await nin('export', '--weights', path('plain.safetensors'), '--onnx', path('plain.onnx')), /no 'variant' metadata\); pass --variant d2l or --variant small/);
    // Its widths are not the variant's defaults, so it does not fit: the error names the file.
    expectOneLineError(await nin('export', '--weights', path('plain.safetensors'), '--onnx', path('plain.onnx'), '--variant', 'small'), /plain\.safetensors: does not fit the small NiN/);
  });

  it('missing options, unknown options and a name that is not .onnx are refused before anything is read', async () => {
    expectOneLineError(await nin('export', '--onnx', path('x.onnx')), /^nin: export: --weights FILE is required$/);
    expectOneLineError(await nin('export', '--weights', path('small.safetensors')), /^nin: export: --onnx FILE\.onnx is required$/);
    expectOneLineError(await nin('export', '--weights', path('small.safetensors'), '--onnx', path('x.onnx'), '--opset', '13'), /export: unknown option '--opset'/);
    expectOneLineError(await nin('export', '--weights', path('small.safetensors'), '--onnx', path('small.safetensors')), /--onnx .*small\.safetensors: the file name must end in \.onnx/);
    expectOneLineError(await nin('export', '--weights', path('small.safetensors'), '--onnx', path('x.onnx'), '--variant', 'big'), /--variant must be 'd2l' or 'small', got 'big'/);
  });

  it('a missing or corrupt checkpoint is named, and the .onnx already there is left as it was', async () => {
    await writeFile(path('kept.onnx'), 'previous export');
    expectOneLineError(await nin('export', '--weights', path('nope.safetensors'), '--onnx', path('kept.onnx')), /nope\.safetensors: no such file/);
    expectOneLineError(await nin('export', '--weights', path('corrupt.safetensors'), '--onnx', path('kept.onnx')), /corrupt\.safetensors/);
    expect(await readFile(path('kept.onnx'), 'utf8')).toBe('previous export');
  });

  it('an .onnx path that cannot be written is named', async () => {
    expectOneLineError(await nin('export', '--weights', path('small.safetensors'), '--onnx', join(path('blocker'), 'x.onnx')), /--onnx .*blocker\/x\.onnx: cannot write in .*blocker \(ENOTDIR\)$/);
  });

  it('is listed by nin --help, with its own help', async () => {
    expect((await nin('--help')).stdout.join('\n')).toMatch(/\n {2}export {3}write a checkpoint's model as an ONNX file for ONNX Runtime\n/);
    const help = await nin('export', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout.join('\n')).toMatch(/^Usage: nin export --weights FILE\.safetensors --onnx FILE\.onnx/);
  });
});
