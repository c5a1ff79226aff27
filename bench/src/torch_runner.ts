/**
 * PyTorch through a child process (`torch_nin.py`, see `child_runner.ts`), when `python3` with
 * torch is installed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ChildProcessHost } from './child_runner.js';

const script = fileURLToPath(new URL('../torch_nin.py', import.meta.url));

/** The python interpreter to use, or null when none has torch. */
export function findTorchPython(): string | null {
  for (const python of [process.env.TAPEGRAD_BENCH_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!python) continue;
    const probe = spawnSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return null;
}

/** The PyTorch child on `threads` threads. */
export function startTorch(python: string, threads: number): ChildProcessHost {
  return new ChildProcessHost(python, [script, String(threads)], { OMP_NUM_THREADS: String(threads) });
}
