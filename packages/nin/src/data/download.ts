import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { FASHION_MNIST_BASE_URL, FASHION_MNIST_BYTES, FASHION_MNIST_FILE_NAMES, FASHION_MNIST_MD5, type FashionMnistFile } from './files.js';

/** Progress of one file's download, reported as chunks arrive. */
export interface DownloadProgress {
  readonly file: string;
  readonly receivedBytes: number;
  /** from Content-Length; undefined when the server does not say */
  readonly totalBytes: number | undefined;
}

/** Options of `downloadVerified` and `downloadFashionMnist`. */
export interface DownloadOptions {
  /** Base URL the file names are appended to (default: Zalando's canonical host). */
  readonly baseUrl?: string;
  /** Called after each chunk is written. */
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Milliseconds allowed to connect and receive the response headers (default 30 s). */
  readonly connectTimeoutMs?: number;
  /** Longest silence, in milliseconds, while the body streams (default 30 s). */
  readonly idleTimeoutMs?: number;
  /**
   * Most bytes accepted for one file: a larger Content-Length is refused before the body, and
   * a body that goes past it is cut off there. Default: a canonical file's size plus
   * `DOWNLOAD_MARGIN_BYTES`; `DEFAULT_MAX_DOWNLOAD_BYTES` for any other name.
   */
  readonly maxBytes?: number;
}

/** Default of `DownloadOptions.connectTimeoutMs`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** Default of `DownloadOptions.idleTimeoutMs`. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Slack over a canonical file's size before its download is cut off (its MD5 would fail anyway). */
export const DOWNLOAD_MARGIN_BYTES = 1024 * 1024;
/** Cap of a file that is not one of the canonical four: twice the largest of them. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

/** Joins a base URL and a file name, with exactly one slash between them. */
export function fileUrl(baseUrl: string, file: string): string {
  return baseUrl.endsWith('/') ? `${baseUrl}${file}` : `${baseUrl}/${file}`;
}

/** An error whose message already names the file and says what went wrong. */
class DownloadError extends Error {}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

function isCanonical(file: string): file is FashionMnistFile {
  return (FASHION_MNIST_FILE_NAMES as readonly string[]).includes(file);
}

function checkPositive(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) throw new Error(`download: ${name} must be a positive integer, got ${value}`);
}

/** The limits in force for `file`. */
function limitsFor(file: string, options: DownloadOptions): { connectMs: number; idleMs: number; maxBytes: number } {
  checkPositive('connectTimeoutMs', options.connectTimeoutMs);
  checkPositive('idleTimeoutMs', options.idleTimeoutMs);
  checkPositive('maxBytes', options.maxBytes);
  const canonical = isCanonical(file) ? FASHION_MNIST_BYTES[file] + DOWNLOAD_MARGIN_BYTES : DEFAULT_MAX_DOWNLOAD_BYTES;
  return {
    connectMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? canonical,
  };
}

/** Name of a temp file: `.<file>.<pid>.<12 hex digits>.part`. */
const PART_FILE = /^\..+\.(\d+)\.[0-9a-f]{12}\.part$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temp files in `dir` (when it exists) that a download in a process no longer running left behind. */
async function removeStaleParts(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names) {
    const pid = Number(PART_FILE.exec(name)?.[1] ?? 0);
    if (pid > 0 && pid !== process.pid && !isAlive(pid)) await rm(join(dir, name), { force: true });
  }
}

/**
 * Removes `dir` and its parents up to `top` (the first directory a download created) while they
 * are empty, so that a failed download leaves no empty cache folder behind.
 */
async function removeEmptyDirs(dir: string, top: string): Promise<void> {
  const last = resolve(top);
  for (let at = resolve(dir); at.startsWith(last); at = dirname(at)) {
    try {
      await rmdir(at);
    } catch {
      return; // not empty (another file, another download), or gone: leave it
    }
    if (at === last) return;
  }
}

/**
 * Downloads `file` from `options.baseUrl` into `dir`: the body streams into a uniquely named temp
 * file in `dir` while its MD5 is computed; only when the MD5 equals `expectedMd5` is the temp file
 * renamed (atomically, same directory) to `dir/file`. On any failure the temp file is deleted and
 * nothing under `dir/file` changes. `dir` (and its missing parents) is created only once the
 * server has answered with a body to write, and removed again, while empty, when that download
 * fails. Temp files left in `dir` by a process that died are removed first.
 *
 * The bytes are taken as served: the request asks for `Accept-Encoding: identity`, and a
 * response with another Content-Encoding is refused (the files are gzip already, and the MD5 is
 * over the bytes as published). A download gives up after `connectTimeoutMs` without response
 * headers, after `idleTimeoutMs` without data, and at `maxBytes`.
 *
 * @returns the path of the verified file
 * @throws Error naming the file: HTTP status, network error, timeout, size, encoding, or `MD5 mismatch: expected X, got Y`
 */
export async function downloadVerified(dir: string, file: string, expectedMd5: string, options: DownloadOptions = {}): Promise<string> {
  const url = fileUrl(options.baseUrl ?? FASHION_MNIST_BASE_URL, file);
  const limits = limitsFor(file, options);
  await removeStaleParts(dir);
  const target = join(dir, file);
  const temp = join(dir, `.${file}.${process.pid}.${randomBytes(6).toString('hex')}.part`);
  // the first directory this download created, if any (mkdir's answer)
  let created: string | undefined;
  const makeDir = async (): Promise<void> => {
    created = await mkdir(dir, { recursive: true });
  };
  try {
    const actual = await streamToFile(url, file, temp, limits, makeDir, options.onProgress);
    if (actual !== expectedMd5) {
      throw new DownloadError(`${file}: MD5 mismatch downloading ${url}: expected ${expectedMd5}, got ${actual}`);
    }
    await rename(temp, target);
    return target;
  } catch (err) {
    await rm(temp, { force: true });
    if (created !== undefined) await removeEmptyDirs(dir, created);
    if (err instanceof DownloadError) throw err;
    throw new Error(`${file}: download from ${url} failed: ${describe(err)}`, { cause: err });
  }
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/**
 * Streams `url` into a new file `temp` (fsynced) within `limits`, returning the MD5 of the bytes
 * written; `makeDir` runs once the response is accepted, just before `temp` is created.
 */
async function streamToFile(
  url: string,
  file: string,
  temp: string,
  limits: ReturnType<typeof limitsFor>,
  makeDir: () => Promise<void>,
  onProgress: DownloadOptions['onProgress'],
): Promise<string> {
  const controller = new AbortController();
  const giveUp = (why: string): void => controller.abort(new DownloadError(`${file}: ${why} from ${url}; gave up`));
  let receivedBytes = 0;
  let timer = setTimeout(() => giveUp(`no response within ${seconds(limits.connectMs)}`), limits.connectMs);
  const rearm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => giveUp(`no data for ${seconds(limits.idleMs)} after ${receivedBytes} bytes`), limits.idleMs);
  };
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { 'accept-encoding': 'identity' } });
    rearm();
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new DownloadError(`${file}: HTTP ${response.status} ${response.statusText} from ${url}`);
    }
    const encoding = response.headers.get('content-encoding');
    if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') {
      await response.body.cancel();
      throw new DownloadError(
        `${file}: ${url} was sent with Content-Encoding: ${encoding} although identity was asked for; refused, ` +
          'as the file is gzip already and its MD5 is over the bytes as published',
      );
    }
    const length = Number(response.headers.get('content-length'));
    const totalBytes = Number.isFinite(length) && length > 0 ? length : undefined;
    if (totalBytes !== undefined && totalBytes > limits.maxBytes) {
      await response.body.cancel();
      throw new DownloadError(`${file}: ${url} announces ${totalBytes} bytes (Content-Length), more than the ${limits.maxBytes} it can be; refused`);
    }
    const hash = createHash('md5');
    await makeDir();
    const handle = await open(temp, 'wx');
    try {
      for await (const chunk of response.body) {
        rearm();
        receivedBytes += chunk.byteLength;
        if (receivedBytes > limits.maxBytes) {
          throw new DownloadError(`${file}: ${url} sent more than ${limits.maxBytes} bytes, more than the file can be; cut off`);
        }
        hash.update(chunk);
        await handle.write(chunk);
        onProgress?.({ file, receivedBytes, totalBytes });
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    return hash.digest('hex');
  } catch (err) {
    // an abort surfaces as the reason given to it, or as a generic AbortError
    throw controller.signal.aborted && controller.signal.reason instanceof DownloadError ? controller.signal.reason : err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads the canonical Fashion-MNIST files into `dir` (by default all four; pass `files` to
 * fetch only the missing ones), each verified against its published MD5 and moved into place
 * atomically. Files are fetched one after another; a failure stops at that file, leaving every
 * file already in `dir` untouched and no temp file behind.
 *
 * @throws Error naming the file that failed and why
 */
export async function downloadFashionMnist(
  dir: string,
  options: DownloadOptions & { readonly files?: readonly FashionMnistFile[] } = {},
): Promise<void> {
  for (const file of options.files ?? FASHION_MNIST_FILE_NAMES) {
    await downloadVerified(dir, file, FASHION_MNIST_MD5[file], options);
  }
}
