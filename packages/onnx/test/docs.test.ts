/**
 * The example of docs/onnx.md is `docs_example.ts`, word for word, and it runs: ONNX Runtime
 * serves the exported file and gives tapegrad's logits.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const read = (name: string): string => readFileSync(new URL(name, import.meta.url), 'utf8');

describe('docs/onnx.md', () => {
  afterAll(async () => {
    await rm(join(tmpdir(), 'tapegrad-example.onnx'), { force: true });
  });

  it('shows docs_example.ts, word for word, as its first example', () => {
    const block = /```ts\n([\s\S]*?)```/.exec(read('../../../docs/onnx.md'))?.[1];
    expect(block).toBe(read('./docs_example.ts'));
  });

  it('runs: ONNX Runtime\'s logits for four images are tapegrad\'s', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await import('./docs_example.js');
    const lines = log.mock.calls.map(([line]) => String(line));
    log.mockRestore();
    expect(lines).toHaveLength(1);
    const [, dims, diff] = /^output \[([\d, ]+)\], max \|onnx - tapegrad\| = (\S+)$/.exec(lines[0]) ?? [];
    expect(dims).toBe('4, 10');
    expect(Number(diff)).toBeLessThanOrEqual(1e-5);
  });
});
