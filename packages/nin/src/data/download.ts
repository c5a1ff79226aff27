import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FASHION_MNIST_BASE_URL, FASHION_MNIST_FILE_NAMES, FASHION_MNIST_MD5, type FashionMnistFile } from './files.js';

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
}

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

/**
 * Downloads `file` from `options.baseUrl` into `dir`: the body streams into a uniquely named temp
 * file in `dir` while its MD5 is computed; only when the MD5 equals `expectedMd5` is the temp file
 * renamed (atomically, same directory) to `dir/file`. On any failure the temp file is deleted and
 * nothing under `dir/file` changes.
 *
 * @returns the path of the verified file
 * @throws Error naming the file: HTTP status, network error, or `MD5 mismatch: expected X, got Y`
 */
export async function downloadVerified(dir: string, file: string, expectedMd5: string, options: DownloadOptions = {}): Promise<string> {
  const url = fileUrl(options.baseUrl ?? FASHION_MNIST_BASE_URL, file);
  await mkdir(dir, { recursive: true });
  const target = join(dir, file);
  const temp = join(dir, `.${file}.${process.pid}.${randomBytes(6).toString('hex')}.part`);
  try {
    const actual = await streamToFile(url, file, temp, options.onProgress);
    if (actual !== expectedMd5) {
      throw new DownloadError(`${file}: MD5 mismatch downloading ${url}: expected ${expectedMd5}, got ${actual}`);
    }
    await rename(temp, target);
    return target;
  } catch (err) {
    await rm(temp, { force: true });
    if (err instanceof DownloadError) throw err;
    throw new Error(`${file}: download from ${url} failed: ${describe(err)}`, { cause: err });
  }
}

/** Streams `url` into a new file `temp` (fsynced), returning the MD5 of the bytes written. */
async function streamToFile(url: string, file: string, temp: string, onProgress: DownloadOptions['onProgress']): Promise<string> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new DownloadError(`${file}: HTTP ${response.status} ${response.statusText} from ${url}`);
  }
  const length = Number(response.headers.get('content-length'));
  const totalBytes = Number.isFinite(length) && length > 0 ? length : undefined;
  const hash = createHash('md5');
  const handle = await open(temp, 'wx');
  let receivedBytes = 0;
  try {
    for await (const chunk of response.body) {
      hash.update(chunk);
      await handle.write(chunk);
      receivedBytes += chunk.byteLength;
      onProgress?.({ file, receivedBytes, totalBytes });
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
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
