/**
 * The tolerance rule of DESIGN section 6: `|a - e| <= atol + rtol * |e|`, where NaN equals only
 * NaN and an infinity only the same infinity. Also a log of the largest error seen per op.
 */

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** What one comparison found. */
export interface Comparison {
  /** Largest `|a - e|` over finite pairs. */
  readonly maxAbs: number;
  /** Largest `|a - e| / (atol + rtol * |e|)` over finite pairs: at most 1 passes. */
  readonly maxRatio: number;
  /** Largest `|a - e| / |e|` over finite pairs with `|e| > 1e-3` (for reporting). */
  readonly maxRel: number;
  /** Number of elements out of tolerance (special values that differ included). */
  readonly failures: number;
  /** The element with the largest ratio (or the first special-value mismatch). */
  readonly worst: { index: number; actual: number; expected: number } | null;
}

/** Whether one pair passes the rule. */
export function isClose(actual: number, expected: number, tol: Tolerance): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return Number.isNaN(actual) && Number.isNaN(expected);
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= tol.atol + tol.rtol * Math.abs(expected);
}

export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): Comparison {
  if (actual.length !== expected.length) {
    return { maxAbs: Infinity, maxRatio: Infinity, maxRel: Infinity, failures: Math.max(actual.length, expected.length), worst: null };
  }
  let maxAbs = 0;
  let maxRatio = 0;
  let maxRel = 0;
  let failures = 0;
  let worst: Comparison['worst'] = null;
  let worstIsSpecial = false;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!isClose(a, e, tol)) failures++;
    const special = !Number.isFinite(a) || !Number.isFinite(e);
    if (special) {
      if (!isClose(a, e, tol) && !worstIsSpecial) {
        worst = { index: i, actual: a, expected: e };
        worstIsSpecial = true;
      }
      continue;
    }
    const abs = Math.abs(a - e);
    const ratio = abs / (tol.atol + tol.rtol * Math.abs(e));
    maxAbs = Math.max(maxAbs, abs);
    if (Math.abs(e) > 1e-3) maxRel = Math.max(maxRel, abs / Math.abs(e));
    if (ratio >= maxRatio) {
      maxRatio = ratio;
      if (!worstIsSpecial) worst = { index: i, actual: a, expected: e };
    }
  }
  return { maxAbs, maxRatio, maxRel, failures, worst };
}

function formatIndex(flat: number, shape: readonly number[] | undefined): string {
  if (!shape) return String(flat);
  const index: number[] = [];
  let rest = flat;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index.unshift(rest % shape[axis]);
    rest = Math.floor(rest / shape[axis]);
  }
  return `[${index.join(', ')}]`;
}

/** Throws a descriptive Error unless every element passes; returns the comparison. */
export function assertClose(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, shape?: readonly number[]): Comparison {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: ${actual.length} values, expected ${expected.length}`);
  }
  const c = compare(actual, expected, tol);
  if (c.failures > 0) {
    const w = c.worst;
    const where = w ? ` worst at ${formatIndex(w.index, shape)}: got ${w.actual}, expected ${w.expected} (|a-e| = ${Math.abs(w.actual - w.expected)})` : '';
    throw new Error(`${label}: ${c.failures} of ${actual.length} values outside atol ${tol.atol} + rtol ${tol.rtol} * |e|;${where}`);
  }
  return c;
}

interface LogEntry {
  maxAbs: number;
  maxRatio: number;
  maxRel: number;
  checks: number;
}

/** The largest error seen per (op, direction), for the summary table. */
export class ErrorLog {
  private readonly entries = new Map<string, LogEntry>();

  record(op: string, direction: string, c: Comparison): void {
    const key = `${op}\u0000${direction}`;
    const entry = this.entries.get(key) ?? { maxAbs: 0, maxRatio: 0, maxRel: 0, checks: 0 };
    entry.maxAbs = Math.max(entry.maxAbs, c.maxAbs);
    entry.maxRatio = Math.max(entry.maxRatio, c.maxRatio);
    entry.maxRel = Math.max(entry.maxRel, c.maxRel);
    entry.checks++;
    this.entries.set(key, entry);
  }

  /** Largest abs error of one (op, direction), or undefined when never recorded. */
  get(op: string, direction: string): LogEntry | undefined {
    return this.entries.get(`${op}\u0000${direction}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** A fixed-width table, one row per (op, direction). */
  table(title: string): string {
    const rows = [...this.entries.entries()].map(([key, e]) => {
      const [op, direction] = key.split('\u0000');
      return [op, direction, String(e.checks), e.maxAbs.toExponential(2), e.maxRel.toExponential(2), e.maxRatio.toFixed(3)];
    });
    const header = ['op', 'direction', 'checks', 'max |a-e|', 'max rel', 'max ratio'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]): string => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
    return [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
  }
}
