import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeSafetensors,
  readSafetensorsFile,
  SafetensorsError,
  writeSafetensorsFile,
} from '../../src/safetensors/index.js';
import { tempPathFor } from '../../src/safetensors/file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tapegrad-st-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function checkpoint(value: number): Uint8Array {
  return encodeSafetensors(new Map([['w', { shape: [2], data: Float32Array.of(value, -value) }]]), { step: String(value) });
}

describe('writeSafetensorsFile / readSafetensorsFile', () => {
  it('writes a file that reads back, leaving no temporary files', async () => {
    const path = join(dir, 'model.safetensors');
    await writeSafetensorsFile(path, checkpoint(1));
    const { tensors, metadata } = await readSafetensorsFile(path);
    expect(Array.from(tensors.get('w')?.data ?? [])).toEqual([1, -1]);
    expect(metadata).toEqual({ step: '1' });
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('replaces an existing file', async () => {
    const path = join(dir, 'model.safetensors');
    await writeSafetensorsFile(path, checkpoint(1));
    await writeSafetensorsFile(path, checkpoint(2));
    expect((await readSafetensorsFile(path)).metadata).toEqual({ step: '2' });
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('names its temporary file .<name>.<pid>.<random>.tmp in the same directory', () => {
    const temp = tempPathFor(join(dir, 'model.safetensors'));
    expect(temp.startsWith(join(dir, `.model.safetensors.${process.pid}.`))).toBe(true);
    expect(temp).toMatch(/\.[0-9a-f]{12}\.tmp$/);
    expect(tempPathFor(join(dir, 'model.safetensors'))).not.toBe(temp);
  });

  it('fails naming the path when the target directory has been removed', async () => {
    const sub = join(dir, 'gone');
    await mkdir(sub);
    await rm(sub, { recursive: true });
    const path = join(sub, 'model.safetensors');
    await expect(writeSafetensorsFile(path, checkpoint(1))).rejects.toThrow(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot write safetensors file: ENOENT`),
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('on a failing rename keeps the previous target intact and removes the temporary file', async () => {
    // The target is a non-empty directory: the temp file is written and synced, then rename fails.
    const path = join(dir, 'model.safetensors');
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'previous');
    const err = await writeSafetensorsFile(path, checkpoint(3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as Error).message).toMatch(/: cannot write safetensors file: (EISDIR|ENOTEMPTY|EEXIST|EPERM)/);
    expect((err as Error).cause).toBeDefined();
    expect(await readdir(dir)).toEqual(['model.safetensors']);
    expect(await readFile(join(path, 'keep'), 'utf8')).toBe('previous');
  });

  it('reading a missing file names the path', async () => {
    const path = join(dir, 'missing.safetensors');
    await expect(readSafetensorsFile(path)).rejects.toThrow(`${path}: no such file`);
  });

  it('reading a directory names the path', async () => {
    await expect(readSafetensorsFile(dir)).rejects.toThrow(`${dir}: cannot read file: EISDIR`);
  });

  it('reading a corrupt file reports the path first', async () => {
    const path = join(dir, 'bad.safetensors');
    await writeFile(path, Uint8Array.of(1, 2, 3));
    await expect(readSafetensorsFile(path)).rejects.toThrow(
      `${path}: file is 3 bytes, too short for the 8-byte header length prefix`,
    );
  });
});
