/**
 * `npm run bench`: one NiN training step and one inference pass on tapegrad's CPU backend, against
 * TensorFlow.js (wasm and cpu backends) and PyTorch (2 threads, through a child process, when
 * python3 with torch is installed), in the same run with the frameworks alternating step by step,
 * under plain `node` (no flags). Prints ms per step, GFLOP/s and ratios, the per-kernel breakdown
 * of tapegrad's step, and writes bench/results/<date>.json.
 *
 * tapegrad runs three ways, each in a child process of its own as PyTorch is (the main process
 * hosts tfjs, whose garbage and threads would otherwise land in tapegrad's steps): `tapegrad`, the
 * headline, is the user's path (nin's blocks and nn layers, nn.Adam, `nin train`'s step);
 * `tapegrad-core` is the same network hand-built from core ops with Adam in core ops;
 * `tapegrad-nofma` is the user's path with `TAPEGRAD_CPU_FMA=0` (multiply then add). The per-kernel
 * profile times the user's path in this process.
 *
 * Options: --mode compare|kernels|scaling (kernels: each conv kernel per NiN layer shape, alone;
 *          scaling: training steps per batch size and thread count beside PyTorch, see scaling.ts)
 *          --networks d2l,small   --frameworks tapegrad,tapegrad-core,tapegrad-nofma,tfjs-wasm,tfjs-cpu,pytorch
 *          --reps N (timed steps per framework, default 5)   --warmup N (untimed steps first, default 3)
 *          --slow-reps N (tfjs-cpu, default 2, no warm-up)
 *          --torch-threads N (default 2)   --profile-steps N (default 3; 0: no profile)
 *          --settle-ms N (idle time after every step of every framework, default 0)
 *          --batches 1,8,32,128 --threads 1,2 (scaling)   --no-save
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { setBackend } from '@tapegrad/core';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeData } from './data.js';
import { networks, workOf, type NetworkSpec } from './networks.js';
import { kernelTable, machineTable, profileTraining, type KernelRow, type Profile } from './profile.js';
import type { Runner } from './runner.js';
import { formatTable, median } from './stats.js';
import { TfjsNin } from './tfjs_nin.js';
import { ChildNin, type ChildProcessHost } from './child_runner.js';
import { runScaling, startTapegradChild } from './scaling.js';
import { findTorchPython, startTorch } from './torch_runner.js';

const allFrameworks = ['tapegrad', 'tapegrad-core', 'tapegrad-nofma', 'tfjs-wasm', 'tfjs-cpu', 'pytorch'] as const;
type Framework = (typeof allFrameworks)[number];

interface Options {
  readonly mode: 'compare' | 'kernels' | 'scaling';
  readonly networks: NetworkSpec[];
  readonly frameworks: Framework[];
  readonly reps: number;
  readonly warmup: number;
  readonly slowReps: number;
  readonly torchThreads: number;
  readonly profileSteps: number;
  readonly settleMs: number;
  readonly batches: number[];
  readonly threads: number[];
  readonly save: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'compare' },
      networks: { type: 'string', default: networks.map((n) => n.name).join(',') },
      frameworks: { type: 'string', default: allFrameworks.join(',') },
      reps: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '3' },
      'slow-reps': { type: 'string', default: '2' },
      'torch-threads': { type: 'string', default: '2' },
      'profile-steps': { type: 'string', default: '3' },
      'settle-ms': { type: 'string', default: '0' },
      batches: { type: 'string', default: '1,8,32,128' },
      threads: { type: 'string', default: '1,2' },
      'no-save': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const count = (name: string, text: string | undefined): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${text}`);
    return n;
  };
  const mode = values.mode;
  if (mode !== 'compare' && mode !== 'kernels' && mode !== 'scaling') throw new Error(`--mode must be compare, kernels or scaling, got ${mode}`);
  const positives = (name: string, text: string | undefined): number[] => (text ?? '').split(',').map((part) => {
    const n = count(name, part);
    if (n < 1) throw new Error(`--${name} must list positive integers, got ${text}`);
    return n;
  });
  const chosen = (values.networks ?? '').split(',').map((name) => {
    const spec = networks.find((n) => n.name === name);
    if (!spec) throw new Error(`unknown network '${name}' (known: ${networks.map((n) => n.name).join(', ')})`);
    return spec;
  });
  const frameworks = (values.frameworks ?? '').split(',').map((name) => {
    const framework = allFrameworks.find((f) => f === name);
    if (!framework) throw new Error(`unknown framework '${name}' (known: ${allFrameworks.join(', ')})`);
    return framework;
  });
  return {
    mode, networks: chosen, frameworks, reps: count('reps', values.reps), warmup: count('warmup', values.warmup), slowReps: count('slow-reps', values['slow-reps']),
    torchThreads: count('torch-threads', values['torch-threads']), profileSteps: count('profile-steps', values['profile-steps']),
    settleMs: count('settle-ms', values['settle-ms']),
    batches: positives('batches', values.batches), threads: positives('threads', values.threads), save: !values['no-save'],
  };
}

interface Timings {
  readonly samplesMs: number[];
  medianMs: number;
  gflops: number;
}

interface NetworkResult {
  readonly network: string;
  readonly batch: number;
  readonly forwardGmac: number;
  readonly trainGmac: number;
  /** Max |logits - tapegrad's logits| of the first (eval-mode) forward, per framework. */
  readonly agreement: Record<string, number>;
  readonly train: Record<string, Timings>;
  readonly infer: Record<string, Timings>;
  /** Other framework's median ms / tapegrad's (above 1: tapegrad is faster). */
  readonly speedup: { train: Record<string, number>; infer: Record<string, number> };
  profile?: Profile;
}

const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

/** The child processes the frameworks but tfjs run in (null where not asked for or not available). */
interface Children {
  readonly torch: ChildProcessHost | null;
  readonly tapegrad: ChildProcessHost | null;
  readonly core: ChildProcessHost | null;
  readonly noFma: ChildProcessHost | null;
}

async function makeRunners(spec: NetworkSpec, options: Options, children: Children): Promise<Runner[]> {
  const data = makeData(spec);
  const runners: Runner[] = [];
  for (const framework of options.frameworks) {
    if (framework === 'tapegrad' && children.tapegrad) runners.push(await ChildNin.create(framework, children.tapegrad, data));
    else if (framework === 'tapegrad-core' && children.core) runners.push(await ChildNin.create(framework, children.core, data));
    else if (framework === 'tapegrad-nofma' && children.noFma) runners.push(await ChildNin.create(framework, children.noFma, data));
    else if (framework === 'tfjs-wasm') runners.push(await TfjsNin.create('wasm', data));
    else if (framework === 'tfjs-cpu') runners.push(await TfjsNin.create('cpu', data));
    else if (framework === 'pytorch' && children.torch) runners.push(await ChildNin.create(framework, children.torch, data));
  }
  return runners;
}

/**
 * Times `step` on every runner, alternating runners each repetition, after `warmup` untimed steps
 * each (the first steps of a process run before V8 and the framework settle); tfjs-cpu gets
 * `slowReps` and no warm-up. Every step is followed by `settleMs` of idle time (0: back to back), as
 * a training loop's data loading leaves between its steps.
 */
async function alternate(runners: Runner[], options: Options, macs: number, step: (r: Runner) => Promise<{ ms: number }>): Promise<Record<string, Timings>> {
  const isSlow = (r: Runner) => r.name === 'tfjs-cpu';
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, options.settleMs));
  for (let i = 0; i < options.warmup; i++) {
    for (const r of runners) {
      if (isSlow(r)) continue;
      await step(r);
      await settle();
    }
  }
  const samples = new Map<string, number[]>(runners.map((r) => [r.name, []]));
  for (let rep = 0; rep < Math.max(options.reps, options.slowReps); rep++) {
    for (const r of runners) {
      if (rep >= (isSlow(r) ? options.slowReps : options.reps)) continue;
      const { ms } = await step(r);
      await settle();
      samples.get(r.name)?.push(ms);
      process.stdout.write(`  ${r.name} ${fmtMs(ms)} ms\n`);
    }
  }
  const out: Record<string, Timings> = {};
  for (const [name, times] of samples) {
    if (times.length === 0) continue;
    const m = median(times);
    out[name] = { samplesMs: times, medianMs: m, gflops: (2 * macs) / m / 1e6 };
  }
  return out;
}

function speedups(timings: Record<string, Timings>): Record<string, number> {
  const base = timings.tapegrad?.medianMs;
  const out: Record<string, number> = {};
  if (base === undefined) return out;
  for (const [name, t] of Object.entries(timings)) if (name !== 'tapegrad') out[name] = t.medianMs / base;
  return out;
}

async function compare(spec: NetworkSpec, options: Options, children: Children): Promise<NetworkResult> {
  const { forwardMacs, trainMacs } = workOf(spec);
  console.log(`\n== ${spec.title}: forward ${(forwardMacs / 1e9).toFixed(2)} GMAC, training step ${(trainMacs / 1e9).toFixed(2)} GMAC (convolutions)`);
  const runners = await makeRunners(spec, options, children);
  const agreement: Record<string, number> = {};
  const first = new Map<string, Float32Array>();
  for (const r of runners) first.set(r.name, (await r.infer()).value);
  const reference = first.get('tapegrad');
  if (reference) {
    for (const [name, logits] of first) {
      if (name !== 'tapegrad') agreement[name] = logits.reduce((worst, v, i) => Math.max(worst, Math.abs(v - reference[i])), 0);
    }
  }
  console.log(`  first forward, max |logits - tapegrad's|: ${Object.entries(agreement).map(([n, d]) => `${n} ${d.toExponential(1)}`).join(', ') || '-'}`);
  console.log('  training steps:');
  const train = await alternate(runners, options, trainMacs, (r) => r.train());
  console.log('  inference passes:');
  const infer = await alternate(runners, options, forwardMacs, (r) => r.infer());
  for (const r of runners) await r.dispose();
  return {
    network: spec.title, batch: spec.batch, forwardGmac: forwardMacs / 1e9, trainGmac: trainMacs / 1e9,
    agreement, train, infer, speedup: { train: speedups(train), infer: speedups(infer) },
  };
}

function printResult(result: NetworkResult): void {
  const names = Object.keys(result.train);
  const cell = (t: Timings | undefined): [string, string] => (t ? [fmtMs(t.medianMs), t.gflops.toFixed(1)] : ['-', '-']);
  const ratio = (r: number | undefined): string => (r === undefined ? '' : `${r.toFixed(r < 10 ? 2 : 1)}x`);
  console.log(`\n${result.network} (medians; speedup = framework ms / tapegrad ms)`);
  console.log(formatTable(
    ['framework', 'train ms', 'GFLOP/s', 'speedup', 'infer ms', 'GFLOP/s', 'speedup'],
    names.map((name) => [name, ...cell(result.train[name]), ratio(result.speedup.train[name]), ...cell(result.infer[name]), ratio(result.speedup.infer[name])]),
  ));
}

function printProfile(spec: NetworkSpec, profile: Profile): void {
  console.log(`\ntapegrad training step, ${spec.title}: ${fmtMs(profile.stepMs)} ms (per-kernel, ms per step)`);
  const shown = profile.rows.filter((r) => r.ms >= 0.05 * profile.stepMs / 100);
  console.log(formatTable(['kernel', 'calls', 'ms', '% step', 'GMAC/s'], shown.map((r) => [
    r.kernel, r.calls.toFixed(0), r.ms.toFixed(1), ((100 * r.ms) / profile.stepMs).toFixed(1), r.gmacs === undefined ? '' : r.gmacs.toFixed(1),
  ])));
}

function printKernels(title: string, rows: KernelRow[]): void {
  const columns = Object.keys(rows[0]?.ms ?? {});
  console.log(`\nsingle kernels, ${title} (median ms; GFLOP/s in brackets, 2 x forward MACs each)`);
  console.log(formatTable(['layer', 'shape', 'GMAC', ...columns], rows.map((r) => [
    r.layer, r.shape, r.gmac.toFixed(3),
    ...columns.map((c) => { const ms = r.ms[c]; return ms === null ? '-' : `${fmtMs(ms)} (${((2 * r.gmac) / ms * 1e3).toFixed(1)})`; }),
  ])));
}

async function main(): Promise<void> {
  const options = parseOptions();
  const backend = await setBackend('cpu');
  if (!(backend instanceof CpuBackend)) throw new Error(`expected tapegrad's cpu backend, got '${backend.name}'`);
  await tf.setBackend('wasm');
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version,
    tapegradThreads: backend.threads, tapegradFusedMultiplyAdd: backend.fusedMultiplyAdd,
    tfjsWasmSimd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), tfjsWasmThreads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    loadAverageAtStart: loadavg(),
  };
  console.log(`tapegrad bench: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; tapegrad cpu: ${machine.tapegradThreads} threads, FMA ${machine.tapegradFusedMultiplyAdd}; tfjs ${tf.version_core} wasm: SIMD ${machine.tfjsWasmSimd}, threads ${machine.tfjsWasmThreads}`);
  console.log(`load average at start: ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} (the machine is shared: steps alternate between frameworks; medians)`);
  const report: Record<string, unknown> = { date: new Date().toISOString(), machine, options: { ...options, networks: options.networks.map((n) => n.name) } };
  if (options.mode === 'kernels') {
    const tables: Record<string, KernelRow[]> = {};
    for (const spec of options.networks) {
      tables[spec.name] = await kernelTable(backend, spec, options.reps);
      printKernels(spec.title, tables[spec.name]);
    }
    tables.machine = await machineTable(backend, options.reps);
    printKernels('the 128-bit FMA peak of one core and single GEMMs (TAPEGRAD_CPU_THREADS=1 for one core)', tables.machine);
    report.kernels = tables;
  } else if (options.mode === 'scaling') {
    report.scaling = await runScaling(options.networks, options.batches, options.threads, Math.max(1, options.reps), options.warmup);
  } else {
    const python = options.frameworks.includes('pytorch') ? findTorchPython() : null;
    if (options.frameworks.includes('pytorch') && !python) console.log('pytorch: no python3 with torch and numpy found; skipped');
    const children: Children = {
      torch: python ? startTorch(python, options.torchThreads) : null,
      tapegrad: options.frameworks.includes('tapegrad') ? startTapegradChild({}) : null,
      core: options.frameworks.includes('tapegrad-core') ? startTapegradChild({}, 'core') : null,
      noFma: options.frameworks.includes('tapegrad-nofma') ? startTapegradChild({ TAPEGRAD_CPU_FMA: '0' }) : null,
    };
    const results: Record<string, NetworkResult> = {};
    try {
      for (const spec of options.networks) {
        const result = await compare(spec, options, children);
        if (options.profileSteps > 0) result.profile = await profileTraining(backend, spec, options.profileSteps, options.warmup);
        results[spec.name] = result;
      }
    } finally {
      for (const host of Object.values(children)) host?.close();
    }
    report.versions = { tfjs: tf.version_core, pytorch: children.torch?.description ?? null };
    for (const spec of options.networks) {
      printResult(results[spec.name]);
      const profile = results[spec.name].profile;
      if (profile) printProfile(spec, profile);
    }
    report.results = results;
  }
  report.loadAverageAtEnd = loadavg();
  if (options.save) {
    const dir = fileURLToPath(new URL('../results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `${dir}${new Date().toISOString().slice(0, 10)}${options.mode === 'compare' ? '' : `-${options.mode}`}.json`;
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
