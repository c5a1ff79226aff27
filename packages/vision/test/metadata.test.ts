/** A model's description in checkpoint metadata: written, read back, and refused when malformed. */
import '@tapegrad/backend-cpu';
import { manualSeed } from '@tapegrad/core';
import { loadCheckpointFromBytes, saveCheckpointToBytes, decodeSafetensors } from '@tapegrad/nn';
import { describe, expect, it } from 'vitest';
import { buildVisionModel, decodeVisionModelInfo, encodeVisionModelInfo, type VisionModelInfo } from '../src/index.js';

describe('vision model metadata', () => {
  it('round-trips through a checkpoint and rebuilds the model it names', async () => {
    manualSeed(4);
    const info: VisionModelInfo<'resnet18'> = { name: 'resnet18', options: { widthDivisor: 32, numClasses: 3 }, inputSize: 40 };
    const saved = buildVisionModel(info.name, info.options);
    const bytes = await saveCheckpointToBytes({ model: saved, metadata: encodeVisionModelInfo(info) });
    const read = decodeVisionModelInfo(decodeSafetensors(bytes, 'resnet.safetensors').metadata, 'resnet.safetensors');
    expect(read).toEqual(info);
    const rebuilt = buildVisionModel((read as VisionModelInfo<'resnet18'>).name, (read as VisionModelInfo<'resnet18'>).options);
    loadCheckpointFromBytes(bytes, { model: rebuilt }, 'resnet.safetensors');
    expect(rebuilt.parameters()[0].dataSync()).toEqual(saved.parameters()[0].dataSync());
  });

  it('is null for a checkpoint that names no model', () => {
    expect(decodeVisionModelInfo({ variant: 'small' }, 'nin.safetensors')).toBeNull();
  });

  it('refuses an unknown model, bad options JSON and a missing input size, naming the file and key', () => {
    const good = encodeVisionModelInfo({ name: 'lenet', options: {}, inputSize: 28 });
    expect(() => decodeVisionModelInfo({ ...good, 'tapegrad.vision.model': 'resnet50' }, 'a.safetensors'))
      .toThrow("a.safetensors: metadata 'tapegrad.vision.model' names an unknown model 'resnet50' (known: lenet, alexnet, vgg, nin, googlenet, resnet18, densenet)");
    expect(() => decodeVisionModelInfo({ ...good, 'tapegrad.vision.options': '{widthDivisor: 2}' }, 'a.safetensors'))
      .toThrow("a.safetensors: metadata 'tapegrad.vision.options' is not valid JSON: {widthDivisor: 2}");
    expect(() => decodeVisionModelInfo({ ...good, 'tapegrad.vision.options': '[2]' }, 'a.safetensors'))
      .toThrow("a.safetensors: metadata 'tapegrad.vision.options' must be a JSON object, got [2]");
    const { inputSize: _, ...withoutSize } = good;
    expect(() => decodeVisionModelInfo(withoutSize, 'a.safetensors')).toThrow("a.safetensors: metadata 'inputSize' must be a positive integer, got undefined");
  });
});
