/**
 * A save removes the temporary files of killed saves of the same path, also when the killed
 * process is a zombie (dead, not yet reaped by its parent): `kill(pid, 0)` still succeeds on a
 * zombie, and a trial found temp files surviving a save started right after a kill.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/safetensors/file.js';

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-zombie-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The state letter in /proc/PID/stat ("PID (COMMAND) STATE ..."). */
const stateOf = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
};

describe('stale temp files of a zombie writer', () => {
  it.skipIf(!existsSync('/proc/self/stat'))('are removed by the next save (Linux: /proc tells a zombie)', async () => {
    // sh starts `sleep 0` in the background, prints its pid, then becomes `sleep 30`, which never
    // reaps it: once `sleep 0` exits it stays a zombie until the parent ends.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
      for (let i = 0; i < 200 && stateOf(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
      expect(stateOf(pid)).toBe('Z');
      const target = join(dir, 'model.safetensors');
      const stale = join(dir, `.model.safetensors.${pid}.0123456789ab.tmp`);
      writeFileSync(stale, 'half a checkpoint');
      await writeFileAtomic(target, 'whole');
      expect(readdirSync(dir).sort()).toEqual(['model.safetensors']);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
