/** Validation of optimizer hyper-parameters (from code or from a saved state). */

/** Throws unless every key of `options` is one of `known`. */
export function checkKnownKeys(op: string, options: Readonly<Record<string, unknown>>, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${op}: unknown option '${key}' (known: ${known.join(', ')})`);
  }
}

/** `value` (or `fallback` when undefined), checked to be a finite number >= 0. */
export function nonNegative(op: string, name: string, value: unknown, fallback?: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${op}: ${name} must be a finite number >= 0, got ${v === undefined ? 'nothing' : String(v)}`);
  }
  return v;
}

/** `value` (or `fallback` when undefined), checked to be a boolean. */
export function flag(op: string, name: string, value: unknown, fallback: boolean): boolean {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'boolean') throw new Error(`${op}: ${name} must be a boolean, got ${String(v)}`);
  return v;
}
