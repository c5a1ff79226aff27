/**
 * The seed's own step, side by side: the d2l NiN at 224x224 trained with SGD at one batch size in
 * tapegrad (on the user's path, `@tapegrad/nin`'s model and `trainStep`) and in PyTorch, each in a
 * fresh process so that its peak resident set size is its own, the two alternating round by round.
 *
 * Usage: `npm run bench:d2l -- [--batch-size 128] [--steps 3] [--rounds 2] [--torch-threads 2] [--no-save]`.
 * Writes `results/<date>-d2l-step.json` unless `--no-save`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { findTorchPython } from './torch_runner.js';

interface StepRun {
  readonly stepMs: number[];
  readonly maxRssKiB: number;
  readonly [detail: string]: unknown;
}

const { values } = parseArgs({
  options: {
    'batch-size': { type: 'string', default: '128' },
    steps: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    'torch-threads': { type: 'string', default: '2' },
    'no-save': { type: 'boolean', default: false },
  },
  strict: true,
});

function positive(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`d2l step bench: --${name} must be a positive integer, got '${text}'`);
  return n;
}

const batch = positive('batch-size', values['batch-size']);
const steps = positive('steps', values.steps);
const rounds = positive('rounds', values.rounds);
const torchThreads = positive('torch-threads', values['torch-threads']);
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

function run(command: string, args: string[], cwd: string): StepRun {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`d2l step bench: ${command} ${args.join(' ')} failed: ${result.stderr.trim().split('\n').at(-1)}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as StepRun;
}

const python = findTorchPython();
const runs: Record<'tapegrad' | 'pytorch', StepRun[]> = { tapegrad: [], pytorch: [] };
for (let round = 0; round < rounds; round++) {
  runs.tapegrad.push(run(process.execPath, [here('./d2l_step_child.js'), String(batch), String(steps)], here('.')));
  if (python) runs.pytorch.push(run(python, [here('../torch_d2l_step.py'), String(batch), String(steps), String(torchThreads)], here('..')));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Steps after each process's first (warm-up) step. */
const steadyMs = (rs: StepRun[]): number => median(rs.flatMap((r) => (r.stepMs.length > 1 ? r.stepMs.slice(1) : r.stepMs)));
const peakGiB = (rs: StepRun[]): number => Math.max(...rs.map((r) => r.maxRssKiB)) / 2 ** 20;

console.log(`d2l NiN @224, batch ${batch}, SGD, ${steps} steps per process, ${rounds} rounds alternating; ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores`);
console.log('framework  step (median, s)  peak RSS (GiB)');
for (const [name, rs] of Object.entries(runs)) {
  if (rs.length === 0) console.log(`${name.padEnd(10)} not run (no python3 with torch)`);
  else console.log(`${name.padEnd(10)} ${(steadyMs(rs) / 1000).toFixed(2).padStart(16)}  ${peakGiB(rs).toFixed(2).padStart(14)}`);
}
if (!values['no-save']) {
  const dir = here('../results');
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${new Date().toISOString().slice(0, 10)}-d2l-step.json`;
  writeFileSync(file, `${JSON.stringify({ machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version }, batch, steps, rounds, torchThreads, runs }, null, 2)}\n`);
  console.log(`saved ${file}`);
}
