/**
 * Running out of memory: the epoch trained before the test pass is checkpointed first, the test
 * pass and `nin eval` use batches that fit where training does, and the error says which
 * `--batch-size` to try. The backend's memory is exhausted on purpose by a stand-in convolution
 * that throws the CPU backend's own error.
 */
import '@tapegrad/backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGradEnabled, manualSeed, setBackend, type Backend } from '@tapegrad/core';
import { readSafetensorsFile, saveSafetensors } from '@tapegrad/nn';
import { nin as buildNin, TRAINING_DEFAULTS } from '@tapegrad/nin';
import { nin } from './cli_helpers.js';
import { fashionMnistDir } from './fixtures.js';

const OOM = 'cpu backend: out of memory (2100 MiB needed, at most 2048 MiB)';
const TINY = ['--widths', '4,6,8', '--limit-train', '300', '--limit-test', '100', '--batch-size', '50', '--init', 'model'];

describe('nin out of memory', () => {
  let dir: string;
  let cpu: Backend;
  let conv2d: Backend['conv2d'];
  const path = (name: string): string => join(dir, name);

  /** Makes the CPU backend's convolutions throw its out-of-memory error when `when()` holds. */
  function exhaustMemory(when: () => boolean): void {
    cpu.conv2d = function (this: Backend, ...args: Parameters<Backend['conv2d']>) {
      if (when()) throw new Error(OOM);
      return conv2d.apply(this, args);
    };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nin-cli-memory-'));
    cpu = await setBackend('cpu');
    conv2d = cpu.conv2d;
  });

  afterEach(() => {
    cpu.conv2d = conv2d;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a test pass out of memory loses no epoch: its checkpoint is written first, and resumes', async () => {
    const data = ['--data', await fashionMnistDir()];
    // Training steps record gradients; the test pass does not.
    exhaustMemory(() => !isGradEnabled());
    const failed = await nin('train', ...TINY, ...data, '--epochs', '2', '--save', path('run.safetensors'));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toEqual([`nin: out of memory at batch size 50: pass a smaller --batch-size, e.g. --batch-size 25 (${OOM})`]);
    expect(failed.stdout.filter((l) => l.startsWith('epoch 1,'))).toEqual([]);
    const { metadata } = await readSafetensorsFile(path('run.safetensors'));
    expect(metadata).toMatchObject({ epoch: '1', 'tapegrad.nin.history': '[]' });

    // A resumed run cannot change its batch size: the message says so.
    const again = await nin('train', '--resume', path('run.safetensors'), ...data);
    expect(again.stderr).toEqual([
      `nin: out of memory at batch size 50: the resumed checkpoint fixes it: start a new run with a smaller --batch-size, e.g. --batch-size 25 (${OOM})`,
    ]);
    // ... and it too kept the epoch it trained before its test pass failed.
    expect((await readSafetensorsFile(path('run.safetensors'))).metadata.epoch).toBe('2');
    cpu.conv2d = conv2d;
    const resumed = await nin('train', '--resume', path('run.safetensors'), ...data, '--epochs', '3');
    expect(resumed.code, resumed.stderr.join('\n')).toBe(0);
    expect(resumed.stdout.find((l) => l.startsWith('training '))).toMatch(/resuming after epoch 2$/);
    expect(resumed.stdout.filter((l) => /^epoch \d+,/.test(l)).map((l) => l.split(',')[0])).toEqual(['epoch 3']);
    expect((await readSafetensorsFile(path('run.safetensors'))).metadata.epoch).toBe('3');
  });

  it('eval evaluates in batches of the variant\'s training batch, and says which --batch-size to try', async () => {
    const data = ['--data', await fashionMnistDir()];
    manualSeed(0);
    // PyTorch-style files without metadata: the variant comes from --variant.
    await saveSafetensors(path('d2l.safetensors'), buildNin({ variant: 'd2l' }).stateDict());
    await saveSafetensors(path('small.safetensors'), buildNin({ variant: 'small' }).stateDict());
    for (const variant of ['d2l', 'small'] as const) {
      const result = await nin('eval', '--weights', path(`${variant}.safetensors`), '--variant', variant, ...data, '--limit-test', '2', '--json');
      expect(result.code, result.stderr.join('\n')).toBe(0);
      expect(JSON.parse(result.stdout[0])).toMatchObject({ variant, images: 2, batchSize: TRAINING_DEFAULTS[variant].batchSize });
    }
    exhaustMemory(() => true);
    const failed = await nin('eval', '--weights', path('small.safetensors'), '--variant', 'small', ...data, '--limit-test', '10');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toEqual([`nin: out of memory at batch size 64: pass a smaller --batch-size, e.g. --batch-size 32 (${OOM})`]);
    const given = await nin('eval', '--weights', path('small.safetensors'), '--variant', 'small', ...data, '--limit-test', '10', '--batch-size', '5');
    expect(given.stderr).toEqual([`nin: out of memory at batch size 5: pass a smaller --batch-size, e.g. --batch-size 2 (${OOM})`]);
  });
});
