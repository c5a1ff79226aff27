/**
 * Nothing Node-only is reachable from a browser entry: the import graph of each package's `browser`
 * export (and of the page itself), followed from source through relative imports, `#platform`
 * and the other tapegrad packages' browser exports, reaches no Node built-in module. The same walk
 * from the Node entries does reach them, so the check can fail.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const PACKAGES = ['core', 'nn', 'nin', 'backend-cpu', 'backend-gpujs'] as const;
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

type Condition = 'browser' | 'node';
type Target = string | { readonly [condition: string]: Target };

/** The file a package.json `exports`/`imports` target picks under `condition`. */
function pick(target: Target, condition: Condition): string {
  if (typeof target === 'string') return target;
  for (const [key, value] of Object.entries(target)) {
    if (key === condition || key === 'default') return pick(value, condition);
  }
  throw new Error(`no '${condition}' or 'default' target in ${JSON.stringify(target)}`);
}

/** `dist/x.js` of package `pkg` as its source `src/x.ts`. */
function sourceOf(pkg: string, distPath: string): string {
  return join(root, 'packages', pkg, distPath.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
}

function packageJson(pkg: string): { exports: { '.': Target }; imports?: Record<string, Target> } {
  return JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
}

/** The entry source of `@tapegrad/<pkg>` under `condition`. */
function entryOf(pkg: string, condition: Condition): string {
  return sourceOf(pkg, pick(packageJson(pkg).exports['.'], condition));
}

/** The value imports and re-exports of a TypeScript file (type-only ones left out). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
    if (m[2] === undefined && (m[1] === 'import' || m[3] !== undefined)) out.push(m[4]);
  }
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

/** Every Node built-in reached from `entry`, with the chain of files that reaches it. */
function nodeModulesReached(entry: string, condition: Condition): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const here = [...chain, relative(root, file)];
    for (const specifier of importsOf(file)) {
      if (builtins.has(specifier)) found.push(`${here.join(' -> ')} -> ${specifier}`);
      else if (specifier.startsWith('.')) walk(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')), here);
      else if (specifier.startsWith('#')) {
        const pkg = relative(join(root, 'packages'), file).split('/')[0];
        walk(sourceOf(pkg, pick((packageJson(pkg).imports ?? {})[specifier], condition)), here);
      } else if (specifier.startsWith('@tapegrad/')) walk(entryOf(specifier.slice('@tapegrad/'.length), condition), here);
    }
  };
  walk(entry, []);
  return found;
}

describe('browser entries', () => {
  it.each(PACKAGES)('@tapegrad/%s: its browser export reaches no Node built-in module', (pkg) => {
    expect(nodeModulesReached(entryOf(pkg, 'browser'), 'browser')).toEqual([]);
  });

  it('the page (packages/web/src/main.ts) reaches no Node built-in module', () => {
    expect(nodeModulesReached(join(root, 'packages/web/src/main.ts'), 'browser')).toEqual([]);
  });

  it('the same walk from the Node entries finds their file and thread modules', () => {
    const nn = nodeModulesReached(entryOf('nn', 'node'), 'node');
    expect(nn.some((chain) => chain.endsWith('-> node:fs/promises'))).toBe(true);
    const cpu = nodeModulesReached(entryOf('backend-cpu', 'node'), 'node');
    expect(cpu.some((chain) => chain.includes('src/platform/node.ts -> node:worker_threads'))).toBe(true);
    const nin = nodeModulesReached(entryOf('nin', 'node'), 'node');
    expect(nin.some((chain) => chain.endsWith('-> node:zlib'))).toBe(true);
  });
});
