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
 * first run completes). Returns the run's temp files still there after it died: none when the
 * write finished (renamed) between being seen and the kill.
 */
async function killDuringSave(save: string, overwrite: boolean): Promise<string[]> {
  const args = [CLI_JS, 'train', '--variant', 'small', '--epochs', '500', '--limit-train', '16', '--limit-test', '8', '--batch-size', '16', '--data', data, '--save', save];
  if (overwrite) args.push('--overwrite');
  const child = spawn(process.execPath, args, { env: { ...process.env, ...TEST_ENV }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const name = save.slice(dir.length + 1);
  const ours = (): string[] => tempFiles(name).filter((f) => f.includes(`.${child.pid}.`));
  const deadline = Date.now() + 30_000;
  // A temp file of this process: the write is between open and rename.
  while (!(existsSync(save) && ours().length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  child.kill('SIGKILL');
  await exited;
  return ours();
}

describe('SIGKILL during --save', () => {
  it('four kills mid-write: the checkpoint in place is whole each time, and the next save cleans up', async () => {
    const save = join(dir, 'run.safetensors');
    const left: string[] = [];
    // A kill can land just after the write it saw was renamed; those runs are retried, not counted.
    for (let run = 0; run < 16 && left.length < 4; run++) {
      left.push(...(await killDuringSave(save, run > 0)));
      // The checkpoint in place is a whole one from an earlier save.
      const loaded = await loadRun(save);
      expect(loaded.run.epoch).toBeGreaterThanOrEqual(1);
    }
    expect(left.length, 'kills that landed while a checkpoint write was under way').toBeGreaterThanOrEqual(4);
    const finished = await ninProcess('train', '--variant', 'small', '--epochs', '1', '--limit-train', '16', '--limit-test', '8', '--batch-size', '16', '--data', data, '--save', save, '--overwrite');
    expect(finished.code, finished.stderr.join('\n')).toBe(0);
    expect(tempFiles('run.safetensors')).toEqual([]);
    const run = await loadRun(save);
    expect(run.run.epoch).toBe(1);
  });
});
