/** Formatting of `[h, w]` pairs for layer summaries. */

/** `[3, 3]` as `"[3, 3]"`. */
export function formatPair(pair: readonly [number, number]): string {
  return `[${pair[0]}, ${pair[1]}]`;
}
