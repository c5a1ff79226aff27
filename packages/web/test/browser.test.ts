/**
 * @tapegrad/web in a real browser: the built page (Vite, the real config) in headless Chromium
 * (Debian's `chromium`, driven by playwright-core; WebGL2 on SwiftShader, so no GPU is needed),
 * served with the page's own middleware. Without Chromium these tests fail saying how to install
 * it, unless TAPEGRAD_SKIP_BROWSER_TESTS=1 (CI never sets it). Needs Fashion-MNIST where nin
 * finds it ($TAPEGRAD_DATA/fashion-mnist, ...).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelFromBytes } from '@tapegrad/nin';
import { saveSafetensors } from '@tapegrad/nn';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPage, findChromium, launchChromium, noChromiumMessage, openPage, servePage, SKIP_ENV } from './harness.js';
import { makeReference, pngOf, topClasses, type Reference } from './reference.js';

const chromiumPath = findChromium();
const skipped = chromiumPath === null && process.env[SKIP_ENV] === '1';
const FIRST = 8;
/** What the status line says on each backend the tests run. */
const RUNNING: Record<string, RegExp> = {
  'gpujs-webgl2': /^running: gpujs webgl2$/,
  'gpujs-webgpu': /^running: gpujs webgpu \(asynchronous\)$/,
  cpu: /^running: cpu \(WebAssembly SIMD/,
};

interface Served { url: string; close(): Promise<void> }

describe.skipIf(skipped)('@tapegrad/web in headless Chromium', () => {
  let pageDir = '';
  let isolated: Served;
  let plain: Served;
  let browser: Browser;
  /** Chromium with WebGPU on SwiftShader (Vulkan on the CPU). */
  let webgpuBrowser: Browser;
  let reference: Reference;
  const scratch = mkdtempSync(join(tmpdir(), 'tapegrad-web-files-'));
  let opened: { page: Page; errors: string[] }[] = [];

  beforeAll(async () => {
    if (chromiumPath === null) throw new Error(noChromiumMessage());
    [pageDir, reference] = await Promise.all([buildPage(), makeReference(FIRST)]);
    isolated = await servePage(pageDir, true);
    plain = await servePage(pageDir, false);
    [browser, webgpuBrowser] = await Promise.all([launchChromium(chromiumPath), launchChromium(chromiumPath, true)]);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await webgpuBrowser?.close();
    await isolated?.close();
    await plain?.close();
    if (pageDir) rmSync(pageDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  afterEach(async () => {
    // No test may leave a console error or an uncaught exception behind.
    const errors = opened.flatMap((o) => o.errors);
    await Promise.all(opened.map((o) => o.page.close()));
    opened = [];
    expect(errors).toEqual([]);
  });

  async function open(backend: string, served: Served = isolated, on: Browser = browser): Promise<Page> {
    const o = await openPage(on, `${served.url}?backend=${backend}`);
    opened.push(o);
    return o.page;
  }

  const text = async (page: Page, id: string): Promise<string> => (await page.textContent(`[data-testid="${id}"]`)) ?? '';

  async function loadCheckpoint(page: Page, name: string, bytes: Buffer, variant = ''): Promise<void> {
    await page.selectOption('[data-testid="checkpoint-variant"]', variant);
    await page.setInputFiles('[data-testid="checkpoint-input"]', { name, mimeType: 'application/octet-stream', buffer: bytes });
  }

  async function classifyTestImages(page: Page, count: number): Promise<{ label: number; probabilities: number[] }[]> {
    await page.fill('[data-testid="test-images-count"]', String(count));
    await page.click('[data-testid="test-images-button"]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="classify-result"]').length === n && document.querySelector('[data-testid="classify-busy"]')?.hasAttribute('hidden'), count);
    return resultsOf(page);
  }

  async function resultsOf(page: Page): Promise<{ source: string; label: number; probabilities: number[] }[]> {
    return page.$$eval('[data-testid="classify-result"]', (rows) => rows.map((row) => {
      const data = (row as HTMLElement).dataset;
      return { source: data.source ?? '', label: Number(data.label), probabilities: JSON.parse(data.probabilities ?? '[]') as number[] };
    }));
  }

  it('starts on gpu.js WebGL2 and on the CPU backend (Web Workers, as the page is cross-origin isolated), and refuses WebGPU with its reason where there is none', async () => {
    const webgl = await open('gpujs-webgl2');
    expect(await text(webgl, 'backend-status')).toBe('running: gpujs webgl2');
    expect(await text(webgl, 'data-status')).toMatch(/^Fashion-MNIST: served by the dev server from /);
    // Chromium runs here without --enable-unsafe-webgpu: navigator.gpu exists, no adapter answers.
    await webgl.selectOption('[data-testid="backend-select"]', 'gpujs-webgpu');
    await webgl.waitForFunction(() => document.querySelector('[data-testid="backend-error"]')?.textContent !== '');
    expect(await text(webgl, 'backend-error')).toMatch(/^gpujs-webgpu refused: webgpu mode: .*no WebGPU adapter answered/);
    expect(await text(webgl, 'backend-status')).toBe('running: gpujs webgl2');
    expect(await webgl.inputValue('[data-testid="backend-select"]')).toBe('gpujs-webgl2');

    const cpu = await open('cpu');
    expect(await text(cpu, 'backend-status')).toMatch(/^running: cpu \(WebAssembly SIMD.*; \d+ threads?: Web Workers on shared memory \(the page is cross-origin isolated\)/);
  });

  it.each(['gpujs-webgl2', 'cpu', 'gpujs-webgpu'])(`a checkpoint from nin train --save gives, on %s, the top classes nin predict gives in Node for the first ${FIRST} test images, probabilities within 1e-4`, async (backend) => {
    const page = await open(backend, isolated, backend === 'gpujs-webgpu' ? webgpuBrowser : browser);
    expect(await text(page, 'backend-status')).toMatch(RUNNING[backend]);
    await loadCheckpoint(page, 'nin-small.safetensors', reference.checkpoint);
    await page.waitForFunction(() => document.querySelector('[data-testid="model-status"]')?.textContent?.startsWith('nin-small.safetensors'));
    expect(await text(page, 'model-status')).toContain('small NiN');
    const results = await classifyTestImages(page, FIRST);
    results.forEach((result, i) => {
      const expected = reference.predictions[i];
      expect(result.label, `image ${i}`).toBe(expected.label);
      expect(topClasses(result.probabilities), `image ${i}`).toEqual(topClasses(expected.probabilities));
      expect(result.probabilities).toHaveLength(10);
      result.probabilities.forEach((p, k) => expect(Math.abs(p - expected.probabilities[k]), `image ${i} class ${k}: ${p} vs ${expected.probabilities[k]}`).toBeLessThanOrEqual(1e-4));
    });
    // The model is sure enough of most images that the comparison of top classes means something.
    expect(reference.predictions.filter((p) => Math.max(...p.probabilities) > 0.5).length).toBeGreaterThanOrEqual(FIRST / 2);
    expect(await page.getAttribute('[data-testid="classify-timing"]', 'data-ms-per-image')).toMatch(/^\d+(\.\d+)?$/);

    // A PNG of test image 0 goes through the browser's decoder and nin's preprocessing to the same result.
    await page.setInputFiles('[data-testid="image-input"]', { name: 'test0.png', mimeType: 'image/png', buffer: pngOf(reference.images[0]) });
    await page.waitForFunction(() => document.querySelector('[data-testid="classify-result"]')?.getAttribute('data-source') === 'test0.png');
    const [png] = await resultsOf(page);
    png.probabilities.forEach((p, k) => expect(Math.abs(p - reference.predictions[0].probabilities[k])).toBeLessThanOrEqual(1e-4));
  });

  it('trains 30 steps on the CPU backend: the loss falls, memory() stays flat after the first step, and the saved checkpoint loads in nin', async () => {
    const page = await open('cpu');
    await page.fill('[data-testid="train-steps"]', '30');
    await page.fill('[data-testid="train-batch-size"]', '64');
    await page.fill('[data-testid="train-limit"]', '1920');
    await page.fill('[data-testid="train-test-limit"]', '0');
    await page.click('[data-testid="train-start"]');
    await page.waitForSelector('[data-testid="train-status"][data-finished="true"]', { timeout: 120_000 });
    expect(await text(page, 'train-error')).toBe('');
    const losses = JSON.parse((await page.getAttribute('[data-testid="train-status"]', 'data-losses')) ?? '[]') as number[];
    const tensors = JSON.parse((await page.getAttribute('[data-testid="train-status"]', 'data-tensors')) ?? '[]') as number[];
    expect(losses).toHaveLength(30);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5)), `losses: ${losses.map((l) => l.toFixed(3)).join(', ')}`).toBeLessThan(mean(losses.slice(0, 5)) - 0.1);
    // Adam's state exists from the first step on; after it, each step frees all it makes.
    expect(tensors).toHaveLength(30);
    expect(new Set(tensors).size, `tensors after each step: ${tensors.join(', ')}`).toBe(1);
    expect(Number(await page.getAttribute('[data-testid="memory"]', 'data-num-tensors'))).toBe(tensors[29]);
    expect(await text(page, 'model-status')).toMatch(/^trained in the page: small NiN .*, 30 steps of 64 on 1920 images$/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="train-save"]')]);
    expect(download.suggestedFilename()).toBe('nin-small-web.safetensors');
    const saved = join(scratch, 'saved.safetensors');
    await download.saveAs(saved);
    const { info } = loadModelFromBytes(readFileSync(saved), 'saved.safetensors');
    expect(info.variant).toBe('small');
  });

  it('a corrupt checkpoint and a non-image file each get a clear message, and the page keeps working', async () => {
    const page = await open('cpu');
    await loadCheckpoint(page, 'good.safetensors', reference.checkpoint);
    await page.waitForFunction(() => document.querySelector('[data-testid="model-status"]')?.textContent?.startsWith('good.safetensors'));

    const corrupt = Buffer.from(reference.checkpoint.subarray(0, 200));
    await loadCheckpoint(page, 'corrupt.safetensors', corrupt);
    await page.waitForSelector('[data-testid="checkpoint-error"]:not([hidden])');
    expect(await text(page, 'checkpoint-error')).toMatch(/^corrupt\.safetensors: /);
    expect(await text(page, 'model-status')).toMatch(/^good\.safetensors/);

    // A file written as PyTorch writes one (no metadata) needs the variant chosen.
    const torchLike = join(scratch, 'torch.safetensors');
    const { model } = loadModelFromBytes(reference.checkpoint, 'reference');
    await saveSafetensors(torchLike, model.stateDict());
    for (const p of model.parameters()) p.dispose();
    await loadCheckpoint(page, 'torch.safetensors', readFileSync(torchLike));
    await page.waitForFunction(() => document.querySelector('[data-testid="checkpoint-error"]')?.textContent?.startsWith('torch.safetensors'));
    expect(await text(page, 'checkpoint-error')).toContain('does not say which NiN it holds');
    await loadCheckpoint(page, 'torch.safetensors', readFileSync(torchLike), 'small');
    await page.waitForFunction(() => document.querySelector('[data-testid="model-status"]')?.textContent?.startsWith('torch.safetensors'));
    expect(await page.isHidden('[data-testid="checkpoint-error"]')).toBe(true);

    await page.setInputFiles('[data-testid="image-input"]', [
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image at all') },
      { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 7)]) },
      { name: 'test1.png', mimeType: 'image/png', buffer: pngOf(reference.images[1]) },
    ]);
    await page.waitForFunction(() => document.querySelector('[data-testid="classify-result"]')?.getAttribute('data-source') === 'test1.png');
    const message = await text(page, 'classify-error');
    expect(message).toContain('notes.txt: not a PNG or JPEG image');
    expect(message).toContain('fake.png: the PNG could not be decoded');
    const results = await resultsOf(page);
    expect(results.map((r) => r.source)).toEqual(['test1.png']);
    expect(results[0].label).toBe(reference.predictions[1].label);
    // And the page still classifies test images afterwards.
    expect((await classifyTestImages(page, 3)).map((r) => r.label)).toEqual(reference.predictions.slice(0, 3).map((p) => p.label));
  });

  it('on a page that is not cross-origin isolated the CPU backend runs on one thread, says why, and still classifies', async () => {
    const page = await open('cpu', plain);
    expect(await text(page, 'backend-status')).toMatch(/one thread: the page is not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
    await loadCheckpoint(page, 'nin-small.safetensors', reference.checkpoint);
    await page.waitForFunction(() => document.querySelector('[data-testid="model-status"]')?.textContent?.startsWith('nin-small.safetensors'));
    expect((await classifyTestImages(page, FIRST)).map((r) => r.label)).toEqual(reference.predictions.map((p) => p.label));
  });
});
