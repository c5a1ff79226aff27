/** The d2l NiN with PyTorch-written weights gives PyTorch's logits (fixture from tools/fixtures/generate.py). */
import '@tapegrad/backend-cpu';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noGrad, tensor, tidy } from '@tapegrad/core';
import { loadSafetensors } from '@tapegrad/nn';
import { formatLayerShapes, layerShapes, nin, resizeGrayBilinear, scaleToUnitInto } from '@tapegrad/nin';
import { torchFixture } from './fixtures.js';

interface NinFixture {
  keys: string[];
  images: { testIndex: number; pixels28: number[]; logits: number[] }[];
  summary: [number, number[]][];
}

describe('d2l NiN against PyTorch', () => {
  let fixture: NinFixture;
  let dir: string;
  let weightsPath: string;

  beforeAll(async () => {
    fixture = JSON.parse(await readFile(torchFixture('nin_d2l.json'), 'utf8')) as NinFixture;
    dir = await mkdtemp(join(tmpdir(), 'nin-d2l-'));
    weightsPath = join(dir, 'nin_d2l.safetensors');
    await writeFile(weightsPath, gunzipSync(await readFile(torchFixture('nin_d2l.safetensors.gz'))));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has the summary PyTorch printed', () => {
    const expected = fixture.summary.map(([index, shape]) => `${index} output shape: [${shape.join(', ')}]`);
    expect(formatLayerShapes(layerShapes(nin({ variant: 'd2l' }), [1, 1, 224, 224]))).toEqual(expected);
  });

  it("gives PyTorch's logits within 1e-4 on test images", async () => {
    const net = nin({ variant: 'd2l' });
    const { stateDict } = await loadSafetensors(weightsPath);
    expect([...stateDict.keys()]).toEqual(fixture.keys);
    net.loadStateDict(stateDict);
    for (const t of stateDict.values()) t.dispose();
    net.eval();
    for (const image of fixture.images) {
      // The chapter's transform: PIL bilinear Resize(224) of the uint8 image, then ToTensor (/255).
      const resized = resizeGrayBilinear({ data: Uint8Array.from(image.pixels28), offset: 0, width: 28, height: 28 }, 224, 224);
      const input = scaleToUnitInto(resized, new Float32Array(224 * 224));
      const output = noGrad(() => tidy(() => net.forward(tensor(input, [1, 1, 224, 224]))));
      const logits = output.dataSync();
      output.dispose();
      expect(logits.length).toBe(10);
      logits.forEach((value, k) => expect(Math.abs(value - image.logits[k]), `image ${image.testIndex}, logit ${k}`).toBeLessThanOrEqual(1e-4));
    }
  });
});
