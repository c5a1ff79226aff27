/**
 * Checks that tensor byte ranges tile the data section exactly: no overlaps,
 * no gaps, no uncovered trailing bytes (as the safetensors format requires).
 */
import { SafetensorsError } from './errors.js';
import type { HeaderEntry } from './header.js';

/**
 * Sorts entries into data-section order and verifies they cover `[0, dataLength)` exactly.
 * Entries with equal offsets (zero-size tensors) keep their header order.
 *
 * @param source - File path (or other label) that error messages begin with.
 * @param entries - Validated entries, in header order.
 * @param dataLength - Size in bytes of the data section.
 * @returns The entries in data-section order.
 * @throws {@link SafetensorsError} on overlapping tensors, gaps, or uncovered bytes.
 */
export function checkByteRanges(source: string, entries: readonly HeaderEntry[], dataLength: number): HeaderEntry[] {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: HeaderEntry | undefined;
  for (const entry of sorted) {
    if (entry.begin < covered && previous !== undefined) {
      throw new SafetensorsError(
        `${source}: tensors ${JSON.stringify(previous.name)} [${previous.begin}, ${previous.end}) and ` +
          `${JSON.stringify(entry.name)} [${entry.begin}, ${entry.end}) overlap`,
      );
    }
    if (entry.begin > covered) {
      const where =
        previous === undefined
          ? `before ${JSON.stringify(entry.name)}`
          : `between ${JSON.stringify(previous.name)} and ${JSON.stringify(entry.name)}`;
      throw new SafetensorsError(
        `${source}: data section bytes [${covered}, ${entry.begin}) are not covered by any tensor (${where})`,
      );
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered < dataLength) {
    throw new SafetensorsError(
      `${source}: data section bytes [${covered}, ${dataLength}) are not covered by any tensor (trailing bytes)`,
    );
  }
  return sorted;
}
