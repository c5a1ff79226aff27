/**
 * `nin train --save` killed with SIGKILL in the middle of writing its checkpoint, several times:
 * the checkpoint in place is always whole (the previous one, or none before the first save), the
 * killed writes leave only their temporary files, and the next save removes those.
 */
import '@tapegrad/backend-cpu';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRun } from '@tapegrad/nin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_JS, ensureBuilt } from '../build.js';
import { TEST_ENV, ninProcess } from '../cli_helpers.js';
import { fashionMnistDir } from '../fixtures.js';

let dir: string;
let data: string;

beforeAll(async () => {
  await ensureBuilt();
  data = await fashionMnistDir();
  dir = mkdtempSync(join(tmpdir(), 'tapegrad-kill-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tempFiles = (name: string): string[] => readdirSync(dir).filter((f) => f.startsWith(`.${name}.`) && f.endsWith('.tmp'));

/**
 * Trains with one small step per epoch and saves every epoch; SIGKILLs the run as soon as a
 * checkpoint write is under way while an earlier checkpoint is in place (so the first save of the
 * first run completes).
 */
function killDuringSave(save: string, overwrite: boolean): Promise<{ killed: boolean; temps: string[] }> {
  const args = [CLI_JS, 'train', '--variant', 'small', '--epochs', '500', '--limit-train', '16', '--limit-test', '8', '--batch-size', '16', '--data', data, '--save', save];
  if (overwrite) args.push('--overwrite');
  const child = spawn(process.execPath, args, { env: { ...process.env, ...TEST_ENV }, stdio: 'ignore' });
  const name = save.slice(dir.length + 1);
  return new Promise((resolve) => {
    const deadline = Date.now() + 30_000;
    const poll = setInterval(() => {
      // A temp file of this process: the write is between open and rename.
      const temps = existsSync(save) ? tempFiles(name).filter((f) => f.includes(`.${child.pid}.`)) : [];
      if (temps.length > 0 || Date.now() > deadline) {
        clearInterval(poll);
        child.kill('SIGKILL');
        child.on('exit', () => resolve({ killed: temps.length > 0, temps }));
      }
    }, 1);
  });
}

describe('SIGKILL during --save', () => {
  it('four kills mid-write: the checkpoint in place is whole each time, and the next save cleans up', async () => {
    const save = join(dir, 'run.safetensors');
    const left: string[] = [];
    for (let kill = 0; kill < 4; kill++) {
      const { killed, temps } = await killDuringSave(save, kill > 0);
      expect(killed, `kill ${kill + 1} landed during a checkpoint write`).toBe(true);
      left.push(...temps);
      expect(tempFiles('run.safetensors')).toEqual(expect.arrayContaining(temps));
      // The checkpoint in place is a whole one from an earlier save.
      const run = await loadRun(save);
      expect(run.run.epoch).toBeGreaterThanOrEqual(1);
    }
    expect(left.length).toBeGreaterThanOrEqual(4);
    const finished = await ninProcess('train', '--variant', 'small', '--epochs', '1', '--limit-train', '16', '--limit-test', '8', '--batch-size', '16', '--data', data, '--save', save, '--overwrite');
    expect(finished.code, finished.stderr.join('\n')).toBe(0);
    expect(tempFiles('run.safetensors')).toEqual([]);
    const run = await loadRun(save);
    expect(run.run.epoch).toBe(1);
  });
});
