/**
 * Python's `'{:.Nf}'` and `'{:.Ne}'` number formatting, which PyTorch's tensor printing uses:
 * `nan`, `inf` and `-inf` for non-finite values, ties rounded half to even on the exact binary
 * value (JavaScript's `toFixed` / `toExponential` round them half up), and exponents of at least
 * two digits (`1.0000e+00`).
 */

/**
 * The exact decimal expansion of `|v|` as `[integer digits, fraction digits]`, or null where
 * `toFixed(100)` would not be exact (|v| below 2^-76 or from 1e21 up).
 */
function exactDigits(v: number): [string, string] | null {
  const a = Math.abs(v);
  if (a !== 0 && (a < 2 ** -76 || a >= 1e21)) return null;
  const [int, frac] = a.toFixed(100).split('.') as [string, string];
  return [int, frac.replace(/0+$/, '')];
}

/** True when `rest`, the digits after the last one kept, is exactly one half: `5`, `50`, `500`... */
function isTie(rest: string): boolean {
  return /^50*$/.test(rest);
}

function nonFinite(v: number): string | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return null;
}

/** `'{:.{digits}f}'.format(v)`. */
export function formatFixed(v: number, digits: number): string {
  const special = nonFinite(v);
  if (special !== null) return special;
  const exact = exactDigits(v);
  if (exact) {
    const [int, frac] = exact;
    const kept = frac.padEnd(digits, '0').slice(0, digits);
    const last = digits > 0 ? kept[digits - 1] : int[int.length - 1];
    if (isTie(frac.slice(digits)) && Number(last) % 2 === 0) {
      // Half to even: the kept digits already end in an even digit, so truncate.
      const sign = v < 0 || Object.is(v, -0) ? '-' : '';
      return `${sign}${int}${digits > 0 ? `.${kept}` : ''}`;
    }
  }
  // toFixed switches to exponent notation from 1e21 up; such doubles are integers, exact as BigInt.
  if (Math.abs(v) >= 1e21) return `${BigInt(v)}${digits > 0 ? `.${'0'.repeat(digits)}` : ''}`;
  const s = v.toFixed(digits);
  // JavaScript drops the sign of -0 (not of a negative value rounding to zero); Python keeps both.
  return Object.is(v, -0) ? `-${s}` : s;
}

/** `'{:.{digits}e}'.format(v)`. */
export function formatExponent(v: number, digits: number): string {
  const special = nonFinite(v);
  if (special !== null) return special;
  let mantissa: string;
  let exponent: number;
  const exact = v === 0 ? null : exactDigits(v);
  const tieDown = ((): [string, number] | null => {
    if (!exact) return null;
    const [int, frac] = exact;
    const all = int + frac;
    const lead = all.search(/[1-9]/);
    const significant = all.slice(lead);
    if (!isTie(significant.slice(digits + 1)) || Number(significant[digits]) % 2 !== 0) return null;
    // The decimal point sits after int's digits, so the first significant digit has exponent int.length - 1 - lead.
    return [`${significant[0]}${digits > 0 ? `.${significant.slice(1, digits + 1)}` : ''}`, int.length - 1 - lead];
  })();
  if (tieDown) {
    [mantissa, exponent] = tieDown;
    if (v < 0) mantissa = `-${mantissa}`;
  } else {
    const [m, e] = v.toExponential(digits).split('e') as [string, string];
    mantissa = Object.is(v, -0) ? `-${m}` : m;
    exponent = Number(e);
  }
  const magnitude = String(Math.abs(exponent)).padStart(2, '0');
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude}`;
}
