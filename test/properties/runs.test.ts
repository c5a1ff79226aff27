/** Prints the suite's total number of fast-check runs (every property takes its count from RUNS). */
import { expect, it } from 'vitest';
import { RUNS, SEED, TOTAL_RUNS } from './config.js';

it('fast-check run count', () => {
  const byFile = new Map<string, number>();
  for (const [name, runs] of Object.entries(RUNS)) {
    const file = name.startsWith('fd ') ? 'finite_differences' : name.startsWith('adjoint ') ? 'adjoint' : name.startsWith('ties ') ? 'ties' : 'autograd';
    byFile.set(file, (byFile.get(file) ?? 0) + runs);
  }
  console.log(`fast-check: ${Object.keys(RUNS).length} properties, ${TOTAL_RUNS} runs in total (seed ${SEED}); by file: ${[...byFile].map(([f, n]) => `${f} ${n}`).join(', ')}`);
  expect(TOTAL_RUNS).toBe([...byFile.values()].reduce((a, b) => a + b, 0));
});
