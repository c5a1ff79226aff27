/**
 * tools/torch/load_tapegrad_checkpoint.py, the way out to PyTorch: a `nin train --save` checkpoint
 * and a @tapegrad/vision ResNet-18 checkpoint load into the same PyTorch models and give
 * tapegrad's logits; the ResNet's SGD state comes along, so one more training step in PyTorch
 * gives the parameters and running statistics tapegrad's next step gives. Needs Debian's
 * PyTorch under /usr/bin/python3 (skipped, saying how to install it, where it is absent), the
 * built packages (the script runs tools/torch/tapegrad_logits.mjs) and Fashion-MNIST for the NiN.
 */
import '@tapegrad/backend-cpu';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, rand, tidy, type Tensor } from '@tapegrad/core';
import { crossEntropyLoss, saveCheckpoint, SGD } from '@tapegrad/nn';
import { buildVisionModel, encodeVisionModelInfo } from '@tapegrad/vision';
import { CLI_JS, ensureBuilt } from '../../packages/nin/test/build.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'tools/torch/load_tapegrad_checkpoint.py');
const TORCH_STEP = fileURLToPath(new URL('./torch_step.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const INSTALL = 'apt-get update && apt-get install -y python3-torch libopenblas0-pthread';
const HAS_TORCH = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!HAS_TORCH) console.warn(`load_tapegrad_checkpoint.py not tested: ${PYTHON} cannot import torch; install Debian's PyTorch with: ${INSTALL}`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { cwd: ROOT, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The relative error the script printed for the logits. */
function logitsError(stdout: string): number {
  const match = /^logits: \d+ images, max \|torch - tapegrad\| \/ max \|tapegrad\| = (\S+) \(tolerance 1e-04\): agree$/m.exec(stdout);
  if (!match) throw new Error(`no agreeing logits line in:\n${stdout}`);
  return Number(match[1]);
}

const title = HAS_TORCH ? 'load_tapegrad_checkpoint.py' : `load_tapegrad_checkpoint.py (skipped: ${PYTHON} has no torch; ${INSTALL})`;

describe.skipIf(!HAS_TORCH)(title, () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'way-out-'));
    await ensureBuilt();
  }, 300_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads a 'nin train --save' checkpoint with its Adam state and gives tapegrad's logits", async () => {
    const checkpoint = join(dir, 'nin.safetensors');
    const train = await run(process.execPath, [CLI_JS, 'train', '--variant', 'small', '--epochs', '1', '--limit-train', '128', '--limit-test', '64', '--save', checkpoint]);
    expect(train.code, train.stderr).toBe(0);
    const out = await run(PYTHON, [SCRIPT, checkpoint, '--save', join(dir, 'nin.pt')]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^checkpoint: .*nin\.safetensors: nin \{"variant": "small", "widths": \[16, 32, 64\], "numClasses": 10\}, input 28x28, 24 tensors loaded/m);
    expect(out.stdout).toMatch(/^optimizer: Adam \{"lr": [\d.e-]+, "betas": \[0\.9, 0\.999\].*state of 24 of 24 parameters, step 2$/m);
    expect(logitsError(out.stdout)).toBeLessThanOrEqual(1e-4);
  });

  it("loads a ResNet-18 checkpoint, and its next SGD step in PyTorch is tapegrad's", async () => {
    manualSeed(5);
    const info = { name: 'resnet18', options: { widthDivisor: 32 }, inputSize: 32 } as const;
    const net = buildVisionModel(info.name, info.options);
    const optimizer = new SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
    const labels = [0, 1, 2, 3];
    const step = (x: Tensor): void => tidy(() => {
      optimizer.zeroGrad();
      crossEntropyLoss(net.forward(x), labels).backward();
      optimizer.step();
    });
    for (let i = 0; i < 2; i++) step(rand([4, 1, 32, 32]));
    const checkpoint = join(dir, 'resnet.safetensors');
    await saveCheckpoint(checkpoint, { model: net, optimizer, metadata: encodeVisionModelInfo(info) });
    const out = await run(PYTHON, [SCRIPT, checkpoint, '--save', join(dir, 'resnet.pt')]);
    expect(out.code, out.stderr).toBe(0);
    const count = net.parameters().length;
    expect(out.stdout).toMatch(new RegExp(`^optimizer: SGD \\{"lr": 0\\.05, "momentum": 0\\.9, .*state of ${count} of ${count} parameters$`, 'm'));
    expect(logitsError(out.stdout)).toBeLessThanOrEqual(1e-4);

    const x = rand([4, 1, 32, 32]);
    await writeFile(join(dir, 'batch.json'), JSON.stringify({ input: { shape: x.shape, data: Array.from(x.dataSync()) }, labels }));
    step(x);
    const torchStep = await run(PYTHON, [TORCH_STEP, join(dir, 'resnet.pt'), join(dir, 'batch.json')]);
    expect(torchStep.code, torchStep.stderr).toBe(0);
    const torchState = JSON.parse(torchStep.stdout) as Record<string, number[]>;
    const state = net.stateDict();
    expect(Object.keys(torchState)).toEqual([...state.keys()]);
    let worst = 0;
    for (const [key, tensor] of state) {
      const mine = tensor.dataSync();
      const theirs = torchState[key];
      const scale = Math.max(...theirs.map(Math.abs));
      const diff = Math.max(...theirs.map((v, i) => Math.abs(v - mine[i])));
      expect(diff / scale, `${key} after the step`).toBeLessThanOrEqual(1e-4);
      worst = Math.max(worst, diff / scale);
    }
    console.log(`ResNet-18, one more SGD step in PyTorch vs tapegrad: parameters and running statistics within ${worst.toExponential(1)} of each tensor's scale`);
  });

  it('refuses a file that is not a checkpoint, naming it', async () => {
    const path = join(dir, 'notes.safetensors');
    await writeFile(path, 'not a checkpoint');
    const out = await run(PYTHON, [SCRIPT, path]);
    expect(out.code).toBe(2);
    expect(out.stderr.trim()).toBe(`load_tapegrad_checkpoint: ${path}: not a safetensors file (its header is not JSON)`);
  });
});
