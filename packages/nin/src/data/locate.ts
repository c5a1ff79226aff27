import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { downloadFashionMnist, type DownloadProgress } from './download.js';
import { FASHION_MNIST_BASE_URL, FASHION_MNIST_DIRNAME, FASHION_MNIST_FILE_NAMES, type FashionMnistFile } from './files.js';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const SYSTEM_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Where and how to look for Fashion-MNIST; every field is optional and injectable for tests. */
export interface LocateOptions {
  /** The CLI's `--data DIR`: DIR itself or DIR/fashion-mnist. */
  readonly dir?: string;
  /** Environment read for `TAPEGRAD_DATA` and `XDG_CACHE_HOME` (default: `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Home directory for `~/.cache` (default: `os.homedir()`). */
  readonly home?: string;
  /** System-wide directory (default: `/usr/share/datasets/fashion-mnist`). */
  readonly systemDir?: string;
  /** Base URL of the download (default: Zalando's canonical host). */
  readonly baseUrl?: string;
  /** Download into the cache as the last resort (default: true). */
  readonly download?: boolean;
  /** Download progress, per chunk. */
  readonly onProgress?: (progress: DownloadProgress) => void;
}

/** Which place the files were found in. */
export type DataSource = 'dir' | 'env' | 'cache' | 'system' | 'download';

/** A directory holding all four canonical files. */
export interface LocatedFashionMnist {
  readonly dir: string;
  readonly source: DataSource;
  /** Path of each canonical file: `name` or, uncompressed, `name` without `.gz`. */
  readonly files: Readonly<Record<FashionMnistFile, string>>;
}

/** One place that was tried, and why it did not hold the data. */
interface Attempt {
  readonly place: string;
  readonly why: string;
}

type Probe =
  | { readonly ok: true; readonly files: Record<FashionMnistFile, string> }
  | { readonly ok: false; readonly why: string; readonly missing: readonly FashionMnistFile[] };

function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : String(err);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Checks that `dir` holds the four files (each gzipped, or uncompressed without `.gz`). */
async function probe(dir: string): Promise<Probe> {
  try {
    if (!(await stat(dir)).isDirectory()) return { ok: false, why: 'not a directory', missing: FASHION_MNIST_FILE_NAMES };
  } catch (err) {
    const why = errorCode(err) === 'ENOENT' ? 'does not exist' : `cannot read (${errorCode(err)})`;
    return { ok: false, why, missing: FASHION_MNIST_FILE_NAMES };
  }
  const files: Partial<Record<FashionMnistFile, string>> = {};
  const missing: FashionMnistFile[] = [];
  for (const name of FASHION_MNIST_FILE_NAMES) {
    const gz = join(dir, name);
    const raw = join(dir, name.slice(0, -'.gz'.length));
    if (await isFile(gz)) files[name] = gz;
    else if (await isFile(raw)) files[name] = raw;
    else missing.push(name);
  }
  if (missing.length > 0) return { ok: false, why: `missing ${missing.join(', ')}`, missing };
  return { ok: true, files: files as Record<FashionMnistFile, string> };
}

/**
 * The cache directory of Fashion-MNIST: `$XDG_CACHE_HOME/tapegrad/fashion-mnist` when
 * `XDG_CACHE_HOME` is set to an absolute path (as the XDG spec requires), else
 * `<home>/.cache/tapegrad/fashion-mnist`.
 */
export function fashionMnistCacheDir(options: Pick<LocateOptions, 'env' | 'home'> = {}): string {
  const env = options.env ?? process.env;
  const xdg = env['XDG_CACHE_HOME'];
  const root = xdg !== undefined && isAbsolute(xdg) ? xdg : join(options.home ?? homedir(), '.cache');
  return join(root, 'tapegrad', FASHION_MNIST_DIRNAME);
}

/** A place to look in: a label for messages, and its directory or why there is none. */
type Candidate =
  | { readonly source: DataSource; readonly place: string; readonly dir: string }
  | { readonly source: DataSource; readonly place: string; readonly dir: undefined; readonly why: string };

/** The places to look in when `--data DIR` is not given, in order of precedence. */
function candidates(options: LocateOptions): Candidate[] {
  const env = options.env ?? process.env;
  const list: Candidate[] = [];
  list.push({ source: 'dir', place: '--data DIR', dir: undefined, why: 'not given' });
  const root = env['TAPEGRAD_DATA'];
  if (root !== undefined && root !== '') {
    const dir = join(root, FASHION_MNIST_DIRNAME);
    list.push({ source: 'env', place: `$TAPEGRAD_DATA/fashion-mnist (${dir})`, dir });
  } else {
    list.push({ source: 'env', place: '$TAPEGRAD_DATA/fashion-mnist', dir: undefined, why: 'TAPEGRAD_DATA is not set' });
  }
  const cache = fashionMnistCacheDir(options);
  list.push({ source: 'cache', place: `cache ${cache}`, dir: cache });
  const system = options.systemDir ?? SYSTEM_FASHION_MNIST_DIR;
  list.push({ source: 'system', place: `${system} (Debian's dataset-fashion-mnist)`, dir: system });
  return list;
}

/**
 * Finds the directory holding the four canonical Fashion-MNIST files. Given `dir` (the CLI's
 * `--data DIR`), only DIR itself then DIR/fashion-mnist are tried: a DIR that does not exist,
 * is not a directory or lacks the files is an error, never a fall-through to another place.
 * Otherwise it tries in order: `$TAPEGRAD_DATA/fashion-mnist`; the cache
 * (`~/.cache/tapegrad/fashion-mnist`, or under `$XDG_CACHE_HOME`); `/usr/share/datasets/fashion-mnist`; then a download of the missing files into the cache,
 * verified by MD5. Each file may be gzipped (`name.gz`) or not (`name`).
 *
 * Files found on disk are not checked against the canonical MD5s: Debian's package re-gzips them
 * (same content, other .gz bytes). Their content is validated when parsed.
 *
 * @throws naming `--data DIR` and why neither DIR nor DIR/fashion-mnist holds the files, when
 *   `dir` is given; else one Error listing every place tried, why each failed, and the fixes
 *   (`--data DIR`, `TAPEGRAD_DATA`, or `apt-get install dataset-fashion-mnist`)
 */
export async function locateFashionMnist(options: LocateOptions = {}): Promise<LocatedFashionMnist> {
  if (options.dir !== undefined && options.dir !== '') return locateInDataDir(options.dir);
  const attempts: Attempt[] = [];
  for (const candidate of candidates(options)) {
    if (candidate.dir === undefined) {
      attempts.push({ place: candidate.place, why: candidate.why });
      continue;
    }
    const found = await probe(candidate.dir);
    if (found.ok) return { dir: candidate.dir, source: candidate.source, files: found.files };
    attempts.push({ place: candidate.place, why: found.why });
  }
  const cache = fashionMnistCacheDir(options);
  const baseUrl = options.baseUrl ?? FASHION_MNIST_BASE_URL;
  const place = `download from ${baseUrl} into ${cache}`;
  if (options.download === false) {
    attempts.push({ place, why: 'downloading is disabled' });
    throw notFound(attempts);
  }
  try {
    // the cache was probed above and found incomplete: fetch only what it lacks
    const before = await probe(cache);
    const files = before.ok ? [] : before.missing;
    await downloadFashionMnist(cache, { baseUrl, files, onProgress: options.onProgress });
    const after = await probe(cache);
    if (after.ok) return { dir: cache, source: 'download', files: after.files };
    attempts.push({ place, why: after.why });
  } catch (err) {
    attempts.push({ place, why: err instanceof Error ? err.message : String(err) });
  }
  throw notFound(attempts);
}

/** `--data DIR`: DIR itself, else DIR/fashion-mnist; neither holding the four files is an error. */
async function locateInDataDir(dir: string): Promise<LocatedFashionMnist> {
  const attempts: Attempt[] = [];
  for (const place of [dir, join(dir, FASHION_MNIST_DIRNAME)]) {
    const found = await probe(place);
    if (found.ok) return { dir: place, source: 'dir', files: found.files };
    attempts.push({ place, why: found.why });
  }
  throw new Error(
    `--data ${dir}: no Fashion-MNIST there (${attempts.map((a) => `${a.place}: ${a.why}`).join('; ')}); ` +
      `DIR or DIR/${FASHION_MNIST_DIRNAME} must hold ${FASHION_MNIST_FILE_NAMES.join(', ')} (gzipped or not)`,
  );
}

function notFound(attempts: readonly Attempt[]): Error {
  const lines = attempts.map((a, i) => `  ${i + 1}. ${a.place}: ${a.why}`);
  return new Error(
    [
      `Fashion-MNIST not found: looked for ${FASHION_MNIST_FILE_NAMES.join(', ')} in:`,
      ...lines,
      'Fix it one of these ways:',
      '  - pass --data DIR, where DIR (or DIR/fashion-mnist) holds the four files;',
      '  - or set TAPEGRAD_DATA=DIR, where DIR/fashion-mnist holds them (as the tests do);',
      "  - or install Debian's package: apt-get install dataset-fashion-mnist",
    ].join('\n'),
  );
}
