/**
 * One naming convention for test files: every tracked code file under a `test/` folder (tests
 * and their helpers) is named in snake_case, as the source files are.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SNAKE_CASE = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
const IN_TEST_FOLDER = /(^|\/)test\/.*\.(ts|mjs|js|py)$/;

describe('test file names', () => {
  it('are snake_case', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((p) => IN_TEST_FOLDER.test(p));
    expect(tracked).toContain('test/file_names.test.ts');
    expect(tracked.filter((p) => !SNAKE_CASE.test(p.slice(p.lastIndexOf('/') + 1)))).toEqual([]);
  });

  it('the check refuses kebab-case and capitals', () => {
    expect(['optim-torch.test.ts', 'Model.test.ts', 'state_dict.test.ts'].filter((name) => !SNAKE_CASE.test(name))).toEqual(['optim-torch.test.ts', 'Model.test.ts']);
  });
});
