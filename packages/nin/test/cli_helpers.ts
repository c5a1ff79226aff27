/** Running `nin` in-process and as a child process, for the CLI tests. */
import { execFile } from 'node:child_process';
import { main, memoryIo } from '@tapegrad/nin';
import { CLI_JS } from './build.js';

/** What a run of `nin` printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string[];
  readonly stderr: string[];
}

/**
 * The environment the tests give `nin`: no data root and a home without a cache, so a test that
 * needs the data passes `--data` (from `fashionMnistDir()`) and no test reaches for a download.
 */
export const TEST_ENV = { TAPEGRAD_DATA: '', HOME: '/nonexistent-home' };

/** Runs `main(argv)` in this process with recorded output. */
export async function nin(...argv: string[]): Promise<CliResult> {
  const io = memoryIo(TEST_ENV);
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** Runs `node dist/cli.js argv` as a child process (call `ensureBuilt()` first). */
export function ninProcess(...argv: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_JS, ...argv], { env: { ...process.env, ...TEST_ENV, NIN_DEBUG: '' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');
      resolve({ code, stdout: lines(stdout), stderr: lines(stderr) });
    });
  });
}
