/** `nin --version`: the version of the package the CLI belongs to. */
import { readFileSync } from 'node:fs';

/** The `version` of @tapegrad/nin's package.json (two folders up from src/cli and from dist/cli). */
export function ninVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error('@tapegrad/nin package.json has no version');
  return manifest.version;
}
