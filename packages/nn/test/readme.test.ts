/**
 * The README's example is `readme_example.ts`, word for word, and it runs: it defines everything
 * it uses, trains without leaking tensors, and its loss goes down.
 */
import '@tapegrad/backend-cpu';
import { memory, setBackend } from '@tapegrad/core';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const read = (name: string): string => readFileSync(new URL(name, import.meta.url), 'utf8');

describe('README example', () => {
  it('is readme_example.ts, word for word', () => {
    const block = /```ts\n([\s\S]*?)```/.exec(read('../README.md'))?.[1];
    expect(block).toBe(read('./readme_example.ts'));
  });

  it('runs: it prints the loss every 10 steps, the loss falls, and only the model and data stay in memory', async () => {
    await setBackend('cpu');
    const before = memory().numTensors;
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await import('./readme_example.js');
    const lines = log.mock.calls.map(([line]) => String(line));
    log.mockRestore();
    expect(lines.map((line) => line.replace(/[\d.]+$/, 'L'))).toEqual(['step 10: loss L', 'step 20: loss L', 'step 30: loss L']);
    const losses = lines.map((line) => Number(/loss ([\d.]+)$/.exec(line)?.[1]));
    expect(losses[2]).toBeLessThan(losses[0] as number);
    // Left: the weight and bias of two Conv2d and one Linear, their grads from the last step,
    // Adam's exp_avg and exp_avg_sq of each, and the images.
    const params = 6;
    expect(memory().numTensors - before).toBe(params /* weights and biases */ + params /* grads */ + 2 * params /* Adam state */ + 1 /* images */);
  });
});
