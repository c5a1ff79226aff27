/**
 * A fresh clone works on its own: no tracked file names a path outside the repository (the data
 * is found by the look-up, never by a path beside the checkout). `.ci/run` and `tools/gpu` run
 * beside the shared folder by design and are left out.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** This file is left out too: its examples of what the check catches are such paths. */
const SELF = 'packages/nin/test/repository_paths.test.ts';
const EXEMPT = (path: string): boolean => path === '.ci/run' || path.startsWith('tools/gpu/') || path === SELF;

/** Text that names a place beside the checkout, whatever the file. */
const OUTSIDE = /\.\.\/shared\b|\bshared\/data\b|\/work\//;
/** The folder beside the checkout, spelled so that this file's own examples do not name the path they test for. */
const SHARED = ['sha', 'red'].join('');
/** A quoted relative path that climbs (`'../../x'`), in code, where it is resolved from the file. */
const CLIMBING = /['"`]((?:\.\.\/)+[^'"`\s]*)['"`]/g;
const CODE = /\.(ts|js|mjs|cjs|py|sh)$/;

/** Each line of `text` (of the file at `path`) that names a path outside the repository. */
function outsidePaths(path: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    const where = `${path}:${i + 1}: ${line.trim()}`;
    if (OUTSIDE.test(line)) found.push(where);
    else if (CODE.test(path)) {
      for (const [, climb] of line.matchAll(CLIMBING)) {
        const target = relative(ROOT, resolve(dirname(join(ROOT, path)), climb));
        if (target.startsWith('..') || isAbsolute(target)) found.push(where);
      }
    }
  });
  return found;
}

describe('the repository', () => {
  it('names no path outside itself', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((p) => p !== '' && !EXEMPT(p));
    expect(tracked).toContain('packages/nin/test/fixtures.ts');
    const offending: string[] = [];
    for (const path of tracked) {
      const bytes = readFileSync(join(ROOT, path));
      if (bytes.subarray(0, 8000).includes(0)) continue; // binary
      offending.push(...outsidePaths(path, bytes.toString('utf8')));
    }
    expect(offending).toEqual([]);
  });

  it('the check sees a climbing path and a shared folder', () => {
    expect(outsidePaths('packages/nin/test/x.ts', `new URL('../../../../${SHARED}/data/', import.meta.url)`)).toHaveLength(1);
    expect(outsidePaths('packages/nin/test/x.ts', "new URL('../../../../data/', import.meta.url)")).toHaveLength(1);
    expect(outsidePaths('packages/nin/test/data/x.ts', "new URL('../../../../', import.meta.url)")).toEqual([]);
    expect(outsidePaths('README.md', `see \`../${SHARED}/docs\``)).toHaveLength(1);
  });
});
