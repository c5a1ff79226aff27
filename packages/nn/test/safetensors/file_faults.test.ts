/**
 * Atomic-write behaviour under simulated I/O failures: `node:fs/promises` is wrapped
 * so that a chosen step (open, write, fsync, rename) fails.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type FaultStep = 'none' | 'write' | 'sync' | 'rename';
const fault = vi.hoisted(() => ({ step: 'none' as FaultStep }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const injected = (step: string): Error => Object.assign(new Error(`injected ${step} failure`), { code: 'EIO' });
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      if (args[1] !== 'wx') return handle;
      return new Proxy(handle, {
        get(target, prop, receiver) {
          if (prop === 'writeFile' && fault.step === 'write') {
            // Write half the data, then fail, like a full disk.
            return async (data: Uint8Array) => {
              await target.write(data.subarray(0, data.length >> 1));
              throw injected('write');
            };
          }
          if (prop === 'sync' && fault.step === 'sync') return async () => Promise.reject(injected('sync'));
          const value: unknown = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
    rename: async (...args: Parameters<typeof fs.rename>) => {
      if (fault.step === 'rename') throw injected('rename');
      return fs.rename(...args);
    },
  };
});

const { encodeSafetensors, readSafetensorsFile, writeSafetensorsFile } = await import(
  '../../src/safetensors/index.js'
);

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tapegrad-st-faults-'));
  fault.step = 'none';
});

afterEach(async () => {
  fault.step = 'none';
  await rm(dir, { recursive: true, force: true });
});

function checkpoint(step: number): Uint8Array {
  const data = new Float32Array(1000).fill(step);
  return encodeSafetensors([['w', { shape: [10, 100], data }]], { step: String(step) });
}

describe('writeSafetensorsFile never leaves a half-written checkpoint', () => {
  it.each<FaultStep>(['write', 'sync', 'rename'])(
    'a failing %s keeps the previous file intact and leaves no temporary file',
    async (step) => {
      const path = join(dir, 'model.safetensors');
      await writeSafetensorsFile(path, checkpoint(1));
      fault.step = step;
      await expect(writeSafetensorsFile(path, checkpoint(2))).rejects.toThrow(
        `${path}: cannot write safetensors file: injected ${step} failure`,
      );
      fault.step = 'none';
      expect(await readdir(dir)).toEqual(['model.safetensors']);
      const { tensors, metadata } = await readSafetensorsFile(path);
      expect(metadata).toEqual({ step: '1' });
      expect(tensors.get('w')?.data.every((v) => v === 1)).toBe(true);
    },
  );

  it('a failing first write creates no target and no temporary file', async () => {
    const path = join(dir, 'fresh.safetensors');
    fault.step = 'write';
    await expect(writeSafetensorsFile(path, checkpoint(1))).rejects.toThrow('injected write failure');
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not disturb an unrelated file with a temp-like name', async () => {
    const other = join(dir, '.model.safetensors.1.abc.tmp');
    await writeFile(other, 'someone else');
    fault.step = 'rename';
    await expect(writeSafetensorsFile(join(dir, 'model.safetensors'), checkpoint(1))).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['.model.safetensors.1.abc.tmp']);
  });
});
