/**
 * The `nin` executable as npm installs it: a committed script (so `npm ci` links
 * node_modules/.bin/nin before anything is built) that runs the built CLI, or says to build it.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main, memoryIo } from '@tapegrad/nin';
import { ensureBuilt } from './build.js';

const PACKAGE = fileURLToPath(new URL('../', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(PACKAGE, 'bin', 'nin.js');
const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

/** Runs `node script argv`; resolves with its exit code and output. */
function run(script: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...argv], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('the nin executable', () => {
  it('is a committed, executable script that package.json and the lock file name', () => {
    expect(manifest.bin).toEqual({ nin: './bin/nin.js' });
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { bin?: Record<string, string> }> };
    expect(lock.packages['packages/nin']?.bin).toEqual({ nin: 'bin/nin.js' });
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(() => accessSync(BIN, constants.X_OK)).not.toThrow();
  });

  it('is linked as node_modules/.bin/nin by npm ci', () => {
    const link = join(ROOT, 'node_modules', '.bin', 'nin');
    expect(existsSync(link), `${link} is missing: run npm ci (or npm install) at the repository root`).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(BIN));
  });

  it('prints the package version with --version, in process and through the script', async () => {
    const io = memoryIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout).toEqual([manifest.version]);
    await ensureBuilt();
    expect(await run(BIN, '--version')).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  }, 300_000);

  it('says to build first when dist/ is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nin-bin-'));
    try {
      await mkdir(join(dir, 'bin'));
      await writeFile(join(dir, 'package.json'), '{"type": "module"}');
      await copyFile(BIN, join(dir, 'bin', 'nin.js'));
      const result = await run(join(dir, 'bin', 'nin.js'), 'summary');
      expect(result).toEqual({ code: 1, stdout: '', stderr: "nin: not built yet: run 'npm run build' at the repository root first\n" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
