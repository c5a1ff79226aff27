#!/usr/bin/env node
/**
 * tapegrad's side of tools/torch/load_tapegrad_checkpoint.py's check: loads a tapegrad checkpoint
 * (a `nin train --save` file, or one whose metadata @tapegrad/vision's encodeVisionModelInfo
 * wrote), runs seeded uniform [0, 1) images of its input size through it in evaluation mode on
 * the cpu backend, and prints JSON: {model, inputSize, seed, input: {shape, data}, logits: {shape, data}}.
 * Uses the built packages: run `npm run build` (tsc -b) first.
 *
 *   node tools/torch/tapegrad_logits.mjs CHECKPOINT.safetensors [--count N] [--seed S] > logits.json
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import '@tapegrad/backend-cpu';
import { manualSeed, noGrad, rand, tidy } from '@tapegrad/core';
import { decodeSafetensors, loadCheckpointFromBytes } from '@tapegrad/nn';
import { loadModelFromBytes } from '@tapegrad/nin';
import { buildVisionModel, decodeVisionModelInfo } from '@tapegrad/vision';

const usage = 'usage: node tools/torch/tapegrad_logits.mjs CHECKPOINT.safetensors [--count N] [--seed S]';

/** The model of the checkpoint `bytes` read from `path`, its name and its input side. */
function loadModel(bytes, path) {
  const vision = decodeVisionModelInfo(decodeSafetensors(bytes, path).metadata, path);
  if (vision) {
    const model = buildVisionModel(vision.name, vision.options);
    loadCheckpointFromBytes(bytes, { model }, path);
    return { model, name: vision.name, inputSize: vision.inputSize };
  }
  // No vision metadata: a NiN checkpoint (nin's loader says what is missing otherwise).
  const { model, info } = loadModelFromBytes(bytes, path);
  return { model, name: 'nin', inputSize: info.inputSize };
}

function count(flag, text) {
  if (!/^\d+$/.test(text ?? '')) throw new Error(`${flag} must be a non-negative integer, got '${text}'`);
  return Number(text);
}

async function main() {
  const { values, positionals } = parseArgs({ options: { count: { type: 'string', default: '4' }, seed: { type: 'string', default: '0' } }, allowPositionals: true });
  if (positionals.length !== 1) throw new Error(`expected one checkpoint file, got ${positionals.length}\n${usage}`);
  const [path] = positionals;
  const images = count('--count', values.count);
  if (images < 1) throw new Error('--count must be at least 1');
  const seed = count('--seed', values.seed);
  const bytes = new Uint8Array(await readFile(path));
  const { model, name, inputSize } = loadModel(bytes, path);
  model.eval();
  manualSeed(seed);
  const input = rand([images, 1, inputSize, inputSize]);
  const logits = noGrad(() => tidy(() => model.forward(input)));
  const json = (t) => ({ shape: t.shape, data: Array.from(t.dataSync()) });
  process.stdout.write(`${JSON.stringify({ model: name, inputSize, seed, input: json(input), logits: json(logits) })}\n`);
}

main().catch((error) => {
  process.stderr.write(`tapegrad_logits: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
