/**
 * Every property in test/properties/ runs through the shared settings of config.ts: each
 * `fc.assert` passes `params('<name>')` (the shared seed and that property's run count), each name
 * is a key of RUNS, and each key of RUNS is used by some property. Prints the suite's total runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUNS, SEED, TOTAL_RUNS } from './config.js';
import { scanPropertySettings, type SettingsScan } from './settings_scan.js';

const dir = new URL('./', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f !== 'runs.test.ts').sort();
const scans = new Map<string, SettingsScan>(files.map((f) => [f, scanPropertySettings(f, readFileSync(new URL(f, dir), 'utf8'))]));

/** The file whose properties use RUNS key `key` (by literal name, a one-placeholder template, or a name read from a literal table). */
function userOf(key: string): string | undefined {
  for (const [file, scan] of scans) {
    for (const n of scan.names) {
      if (n.kind === 'literal' && n.name === key) return file;
      if (n.kind === 'template' && key.length >= n.head.length + n.tail.length && key.startsWith(n.head) && key.endsWith(n.tail)
        && scan.literals.has(key.slice(n.head.length, key.length - n.tail.length))) return file;
      if (n.kind === 'other' && scan.literals.has(key)) return file;
    }
  }
  return undefined;
}

describe('fast-check settings', () => {
  it('the scan flags an fc.assert that bypasses params(), and accepts one that uses it', () => {
    const header = "import fc from 'fast-check';\nimport { params } from './config.js';\n";
    const body = 'fc.property(fc.integer(), (n) => n === n)';
    expect(scanPropertySettings('ok.ts', `${header}fc.assert(${body}, params('fd neg'));`).problems).toEqual([]);
    for (const bad of [
      `${header}fc.assert(${body});`,
      `${header}fc.assert(${body}, { seed: ${SEED}, numRuns: 1000 });`,
      `${header}fc.assert(${body}, { ...params('fd neg'), numRuns: 1000 });`,
      `${header}const p = ${body};\nfc.assert(p, params('fd neg'));`,
      `${header}fc.check(${body}, params('fd neg'));`,
      `import fc from 'fast-check';\nimport { params } from './other.js';\nfc.assert(${body}, params('fd neg'));`,
    ]) {
      expect(scanPropertySettings('bad.ts', bad).problems, bad).not.toEqual([]);
    }
  });

  it('every fc.assert in test/properties/*.test.ts passes params(<name>) from config.ts', () => {
    expect(files).toEqual(expect.arrayContaining(['adjoint.test.ts', 'autograd.test.ts', 'finite_differences.test.ts', 'ties.test.ts']));
    for (const [file, scan] of scans) {
      expect(scan.problems, file).toEqual([]);
      expect(scan.asserts, `${file}: number of fc.assert calls`).toBeGreaterThan(0);
      for (const n of scan.names) {
        if (n.kind === 'literal') expect(Object.keys(RUNS), `${file}: params('${n.name}')`).toContain(n.name);
      }
    }
  });

  it('every RUNS entry is used by a property, and the total is printed', () => {
    const byFile = new Map<string, number>();
    const unused: string[] = [];
    for (const [key, runs] of Object.entries(RUNS)) {
      const file = userOf(key);
      if (file === undefined) unused.push(key);
      else byFile.set(file, (byFile.get(file) ?? 0) + runs);
    }
    expect(unused, 'RUNS entries no property uses').toEqual([]);
    console.log(`fast-check: ${Object.keys(RUNS).length} properties, ${TOTAL_RUNS} runs in total (seed ${SEED}); by file: ${[...byFile].map(([f, n]) => `${f} ${n}`).join(', ')}`);
  });
});
