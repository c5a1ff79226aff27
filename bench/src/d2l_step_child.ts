/**
 * tapegrad side of the d2l step bench (`d2l_step.ts`): the chapter's NiN at 224x224, built and
 * trained as `nin train` does (`@tapegrad/nin`'s model, `nn.SGD`, its `trainStep`), for a few steps
 * on random images, timed by nin's `timeTrainingSteps`. Usage: `node dist/d2l_step_child.js BATCH
 * STEPS`. Prints one JSON line: the step times in ms, the peak resident set size in KiB and the
 * CPU arena's high-water mark in bytes.
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { manualSeed, setBackend } from '@tapegrad/core';
import { createOptimizer, nin, randomBatch, timeTrainingSteps } from '@tapegrad/nin';

const [batch, steps] = process.argv.slice(2, 4).map(Number);
const backend = await setBackend('cpu');
if (!(backend instanceof CpuBackend)) throw new Error('d2l_step_child: the cpu backend is not a CpuBackend');
manualSeed(0);
const model = nin({ variant: 'd2l' });
const optimizer = createOptimizer('sgd', model.parameters(), 0.1);
const images = randomBatch(batch, 224);
const timed = await timeTrainingSteps(model, optimizer, Array.from({ length: steps }, () => images));
const stepMs = timed.map((step) => step.seconds * 1000);
console.log(JSON.stringify({ threads: backend.threads, fusedMultiplyAdd: backend.fusedMultiplyAdd, stepMs, maxRssKiB: process.resourceUsage().maxRSS, arenaHighWater: backend.arenaStats().highWater }));
