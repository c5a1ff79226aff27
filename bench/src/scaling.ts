/**
 * `npm run bench -- --mode scaling`: how a training step's cost grows with the batch and the thread
 * count, tapegrad (the user's path, `tapegrad_child.ts`) beside PyTorch (`torch_nin.py`), each in a
 * child process started with the thread count (tapegrad reads `TAPEGRAD_CPU_THREADS` when it
 * loads), the two alternating step by step. Medians of `reps` steps after `warmup` untimed steps each.
 */
import { fileURLToPath } from 'node:url';
import { ChildNin, ChildProcessHost } from './child_runner.js';
import { makeData } from './data.js';
import type { NetworkSpec } from './networks.js';
import type { Runner } from './runner.js';
import { formatTable, median } from './stats.js';
import { findTorchPython, startTorch } from './torch_runner.js';

const child = fileURLToPath(new URL('./tapegrad_child.js', import.meta.url));

/** tapegrad's NiN (the user's path, or the hand-built `core` one) in a child process under `env` (e.g. `TAPEGRAD_CPU_FMA=0`). */
export function startTapegradChild(env: NodeJS.ProcessEnv, build: 'nn' | 'core' = 'nn'): ChildProcessHost {
  return new ChildProcessHost(process.execPath, [child, build], env);
}

/** One cell of the table: median ms per training step of each framework. */
export interface ScalingRow {
  readonly network: string;
  readonly batch: number;
  readonly threads: number;
  readonly tapegradMs: number;
  readonly pytorchMs: number | null;
}

async function medianTrainMs(runners: Runner[], reps: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) for (const r of runners) await r.train();
  const samples = runners.map((): number[] => []);
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, r] of runners.entries()) samples[i].push((await r.train()).ms);
  }
  return samples.map(median);
}

/** Runs every (network, batch, threads) cell and prints the table; returns its rows. */
export async function runScaling(networks: readonly NetworkSpec[], batches: readonly number[], threadCounts: readonly number[], reps: number, warmup: number): Promise<ScalingRow[]> {
  const python = findTorchPython();
  if (!python) console.log('pytorch: no python3 with torch and numpy found; tapegrad only');
  const rows: ScalingRow[] = [];
  for (const threads of threadCounts) {
    const tapegrad = startTapegradChild({ TAPEGRAD_CPU_THREADS: String(threads) });
    const torch = python ? startTorch(python, threads) : null;
    try {
      for (const network of networks) {
        for (const batch of batches) {
          const data = makeData({ ...network, name: `${network.name}-b${batch}`, batch });
          const runners: Runner[] = [await ChildNin.create('tapegrad', tapegrad, data)];
          if (torch) runners.push(await ChildNin.create('pytorch', torch, data));
          const [tapegradMs, pytorchMs] = await medianTrainMs(runners, reps, warmup);
          rows.push({ network: network.name, batch, threads, tapegradMs, pytorchMs: pytorchMs ?? null });
          console.log(`  ${network.name} batch ${batch}, ${threads} thread(s): tapegrad ${tapegradMs.toFixed(1)} ms, pytorch ${pytorchMs?.toFixed(1) ?? '-'} ms`);
        }
      }
    } finally {
      tapegrad.close();
      torch?.close();
    }
  }
  console.log('\ntraining step, median ms (ratio = PyTorch ms / tapegrad ms: above 1, tapegrad is faster)');
  console.log(formatTable(['network', 'batch', 'threads', 'tapegrad ms', 'pytorch ms', 'ratio', 'tapegrad ms/image'], rows.map((r) => [
    r.network, String(r.batch), String(r.threads), r.tapegradMs.toFixed(1), r.pytorchMs?.toFixed(1) ?? '-',
    r.pytorchMs === null ? '-' : `${(r.pytorchMs / r.tapegradMs).toFixed(2)}x`, (r.tapegradMs / r.batch).toFixed(2),
  ])));
  return rows;
}
