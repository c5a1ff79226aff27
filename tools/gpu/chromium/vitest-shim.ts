/**
 * Just enough of vitest's API (describe/it/beforeAll/afterAll/expect) to run the conformance suite
 * in a browser page; `runRegistered()` executes what was registered, in order, one test at a time.
 */
type Fn = () => unknown;
interface Suite { name: string; children: (Suite | Test)[]; before: Fn[]; after: Fn[]; skip: boolean }
interface Test { name: string; fn: Fn; skip: boolean }

const root: Suite = { name: '', children: [], before: [], after: [], skip: false };
let current = root;

function register(name: string, body: Fn, skip: boolean): void {
  const suite: Suite = { name, children: [], before: [], after: [], skip };
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    body();
  } finally {
    current = parent;
  }
}

type Describe = ((name: string, body: Fn) => void) & {
  runIf(cond: boolean): (name: string, body: Fn) => void;
  skipIf(cond: boolean): (name: string, body: Fn) => void;
};
export const describe: Describe = Object.assign((name: string, body: Fn) => register(name, body, false), {
  runIf: (cond: boolean) => (name: string, body: Fn) => register(name, body, !cond),
  skipIf: (cond: boolean) => (name: string, body: Fn) => register(name, body, cond),
});
export const it = Object.assign((name: string, fn: Fn) => { current.children.push({ name, fn, skip: false }); }, {
  runIf: (cond: boolean) => (name: string, fn: Fn) => { current.children.push({ name, fn, skip: !cond }); },
  skipIf: (cond: boolean) => (name: string, fn: Fn) => { current.children.push({ name, fn, skip: cond }); },
});
export const test = it;
export function beforeAll(fn: Fn): void { current.before.push(fn); }
export function afterAll(fn: Fn): void { current.after.push(fn); }

function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function fail(message: string, label?: string): never {
  throw new Error(label ? `${label}: ${message}` : message);
}

export function expect(actual: unknown, label?: string) {
  const show = (v: unknown): string => { try { return JSON.stringify(v); } catch { return String(v); } };
  const matchers = {
    toBe: (e: unknown) => { if (!Object.is(actual, e)) fail(`expected ${show(actual)} to be ${show(e)}`, label); },
    toEqual: (e: unknown) => { if (!equal(actual, e)) fail(`expected ${show(actual)} to equal ${show(e)}`, label); },
    toBeNull: () => { if (actual !== null) fail(`expected ${show(actual)} to be null`, label); },
    toBeLessThan: (e: number) => { if (!((actual as number) < e)) fail(`expected ${show(actual)} < ${e}`, label); },
    toBeLessThanOrEqual: (e: number) => { if (!((actual as number) <= e)) fail(`expected ${show(actual)} <= ${e}`, label); },
    toBeGreaterThan: (e: number) => { if (!((actual as number) > e)) fail(`expected ${show(actual)} > ${e}`, label); },
    toThrow: (e?: RegExp | string) => {
      try { (actual as Fn)(); } catch (error) {
        const m = error instanceof Error ? error.message : String(error);
        if (e && !(typeof e === 'string' ? m.includes(e) : e.test(m))) fail(`threw '${m}', not matching ${String(e)}`, label);
        return;
      }
      fail('expected to throw', label);
    },
  };
  const not = {
    toBe: (e: unknown) => { if (Object.is(actual, e)) fail(`expected ${show(actual)} not to be ${show(e)}`, label); },
    toEqual: (e: unknown) => { if (equal(actual, e)) fail(`expected ${show(actual)} not to equal ${show(e)}`, label); },
    toBeNull: () => { if (actual === null) fail('expected a value, got null', label); },
  };
  return { ...matchers, not };
}
expect.fail = (message: string): never => fail(message);

/** Runs every registered test; reports each through `report`. */
export async function runRegistered(report: (name: string, error: unknown, skipped: boolean) => void): Promise<void> {
  const run = async (suite: Suite, prefix: string, skipped: boolean): Promise<void> => {
    const skip = skipped || suite.skip;
    if (!skip) for (const fn of suite.before) await fn();
    for (const child of suite.children) {
      const name = `${prefix}${child.name}`;
      if ('fn' in child) {
        if (skip || child.skip) { report(name, null, true); continue; }
        try { await child.fn(); report(name, null, false); } catch (error) { report(name, error ?? new Error('failed'), false); }
      } else {
        await run(child, `${name} > `, skip);
      }
    }
    if (!skip) for (const fn of suite.after) await fn();
  };
  await run(root, '', false);
}
