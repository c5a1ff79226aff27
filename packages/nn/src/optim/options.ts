/**
 * Validation of optimizer hyper-parameters (from code or from a saved state). Unknown keys and
 * booleans are checked by core's `checkKnownOptions` and `booleanOption`.
 */

/** `value` (or `fallback` when undefined), checked to be a finite number >= 0. */
export function nonNegative(op: string, name: string, value: unknown, fallback?: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${op}: ${name} must be a finite number >= 0, got ${v === undefined ? 'nothing' : String(v)}`);
  }
  return v;
}
