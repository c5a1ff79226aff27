/**
 * What `nin train` writes: checked before training (folders, write access, an existing checkpoint),
 * written atomically (the plot as the checkpoint), and cleaned of temporary files that killed
 * saves left behind.
 */
import '@tapegrad/backend-cpu';
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '@tapegrad/core';
import { readSafetensorsFile } from '@tapegrad/nn';
import { nin } from './cli_helpers.js';
import { fashionMnistDir } from './fixtures.js';

const TINY = ['--widths', '4,6,8', '--limit-train', '300', '--limit-test', '100', '--batch-size', '50', '--epochs', '1'];

/** The pid of a process that has exited (a child that ran and ended). */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', ''], (error) => (error ? reject(error) : resolve(child.pid as number)));
  });
}

/** The epoch recorded in a checkpoint's metadata. */
async function savedEpoch(path: string): Promise<string | undefined> {
  return (await readSafetensorsFile(path)).metadata.epoch;
}

describe('nin train outputs', () => {
  let dir: string;
  const path = (name: string): string => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nin-cli-outputs-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to overwrite a checkpoint without --overwrite or --resume of that file', async () => {
    await writeFile(path('old.safetensors'), 'an earlier run');
    const refused = await nin('train', '--save', path('old.safetensors'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toEqual([`nin: --save ${path('old.safetensors')}: the file exists (a checkpoint of another run?); pass --overwrite to replace it, or --resume ${path('old.safetensors')} to continue it`]);
    expect(await readFile(path('old.safetensors'), 'utf8')).toBe('an earlier run');
    expect((await nin('train', '--overwrite')).stderr).toEqual(['nin: --overwrite needs --save FILE (the file to replace)']);
  });

  it('--overwrite replaces it; --resume without --save goes on in the resumed file and says so', async () => {
    const data = ['--data', await fashionMnistDir()];
    const first = await nin('train', ...TINY, ...data, '--save', path('run.safetensors'));
    expect(first.code, first.stderr.join('\n')).toBe(0);
    expect((await nin('train', ...TINY, ...data, '--save', path('run.safetensors'))).code).toBe(1);
    const again = await nin('train', ...TINY, ...data, '--seed', '5', '--save', path('run.safetensors'), '--overwrite');
    expect(again.code, again.stderr.join('\n')).toBe(0);
    expect((await readSafetensorsFile(path('run.safetensors'))).metadata.seed).toBe('5');

    const resumed = await nin('train', '--resume', path('run.safetensors'), ...data, '--epochs', '2');
    expect(resumed.code, resumed.stderr.join('\n')).toBe(0);
    expect(resumed.stdout[0]).toBe(`checkpoint: ${path('run.safetensors')} (the resumed file, rewritten after every epoch; --save FILE writes elsewhere)`);
    expect(resumed.stdout.at(-1)).toMatch(new RegExp(`; checkpoint ${path('run.safetensors').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
    expect(await savedEpoch(path('run.safetensors'))).toBe('2');
    // naming the resumed file as --save is no overwrite either
    const same = await nin('train', '--resume', path('run.safetensors'), '--save', path('run.safetensors'), ...data, '--epochs', '3');
    expect(same.code, same.stderr.join('\n')).toBe(0);
    expect(await savedEpoch(path('run.safetensors'))).toBe('3');
  });

  it('checks that --save and --plot can be written, and creates their folders, before anything trains', async () => {
    await writeFile(path('a-file'), 'not a folder');
    const inFile = await nin('train', '--plot', join(path('a-file'), 'curves.svg'));
    expect(inFile).toEqual({ code: 1, stdout: [], stderr: [`nin: --plot ${join(path('a-file'), 'curves.svg')}: cannot write in ${path('a-file')} (ENOTDIR)`] });
    const nested = await nin('train', '--save', path('new/deeper/run.safetensors'), '--data', path('no-data'));
    // the folders were made, then the (missing) data stopped the run
    expect((await stat(path('new/deeper'))).isDirectory()).toBe(true);
    expect(nested.stderr[0]).toMatch(/--data .*no-data: no Fashion-MNIST there/);
    expect(await readdir(path('new/deeper'))).toEqual([]);
  });

  it.skipIf(!existsSync('/proc/self'))('refuses a folder where no file can be created (/proc), quickly', async () => {
    const proc = await nin('train', '--save', '/proc/nin-check.safetensors');
    expect(proc).toEqual({ code: 1, stdout: [], stderr: ['nin: --save /proc/nin-check.safetensors: cannot write in /proc (ENOENT)'] });
    // a missing folder under /proc: Node's recursive mkdir would loop here forever
    const missing = await nin('train', '--plot', '/proc/nin-missing/curves.svg');
    expect(missing.stderr).toEqual(['nin: --plot /proc/nin-missing/curves.svg: cannot create its directory /proc/nin-missing (ENOENT)']);
  });

  it('removes the temporary files that killed saves left beside --save and --plot, and no others', async () => {
    const gone = await deadPid();
    const stale = [`.fresh.safetensors.${gone}.0123456789ab.tmp`, `.curves.svg.${gone}.ba9876543210.tmp`];
    // a running process's (pid 1), and names that are not the writer's
    const kept = ['.fresh.safetensors.1.0123456789ab.tmp', `.fresh.safetensors.${gone}.notours.tmp`, `.other.safetensors.${gone}.0123456789ab.tmp`];
    for (const name of [...stale, ...kept]) await writeFile(path(name), 'partial');
    const result = await nin('train', ...TINY, '--data', await fashionMnistDir(), '--save', path('fresh.safetensors'), '--plot', path('curves.svg'));
    expect(result.code, result.stderr.join('\n')).toBe(0);
    const names = await readdir(dir);
    for (const name of stale) expect(names).not.toContain(name);
    for (const name of kept) expect(names).toContain(name);
    expect(await savedEpoch(path('fresh.safetensors'))).toBe('1');
    expect(await readFile(path('curves.svg'), 'utf8')).toMatch(/^<\?xml.*<\/svg>\s*$/s);
  });

  it('a plot that cannot be written names the file and leaves nothing at it, after the epoch is checkpointed', async () => {
    const plots = path('plots');
    await mkdir(plots);
    // The plot's folder disappears during epoch 1 (the first convolution of the first step).
    const cpu = await setBackend('cpu');
    const conv2d = cpu.conv2d;
    let removed = false;
    cpu.conv2d = function (this: typeof cpu, ...args: Parameters<typeof conv2d>) {
      if (!removed) rmSync(plots, { recursive: true });
      removed = true;
      return conv2d.apply(this, args);
    };
    try {
      const result = await nin('train', ...TINY, '--data', await fashionMnistDir(), '--save', path('plotted.safetensors'), '--plot', join(plots, 'curves.svg'));
      expect(result.code).toBe(1);
      expect(result.stderr).toEqual([expect.stringMatching(new RegExp(`^nin: ${join(plots, 'curves.svg').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot write SVG plot: ENOENT`))]);
    } finally {
      cpu.conv2d = conv2d;
    }
    expect(removed).toBe(true);
    expect(existsSync(plots)).toBe(false);
    expect(await savedEpoch(path('plotted.safetensors'))).toBe('1');
  });
});
