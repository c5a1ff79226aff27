/**
 * The built CLI for the tests that run it as a program. `npm test` builds before testing; in a
 * fresh clone where only `npx vitest run` was called, the first test that needs the build runs
 * `tsc -b` at the repository root, while tests in other workers wait for it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The built executable (`tsc -b` writes it). */
export const CLI_JS = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Held (a directory exists) while one test worker builds. */
const LOCK = join(ROOT, 'node_modules', '.nin-test-build.lock');
/** A lock older than this was left by a killed run. */
const STALE_LOCK_MS = 5 * 60_000;

/** Takes the build lock, waiting while another worker holds it. */
async function lock(): Promise<void> {
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch {
      const held = await stat(LOCK).catch(() => null);
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) await rmdir(LOCK).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Builds the repository (`tsc -b`) unless `dist/cli.js` is there; give the caller minutes. */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(CLI_JS)) return;
  await lock();
  try {
    if (!existsSync(CLI_JS)) await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], { cwd: ROOT });
  } finally {
    await rmdir(LOCK);
  }
}
