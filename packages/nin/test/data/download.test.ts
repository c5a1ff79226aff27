import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadVerified } from '../../src/data/download.js';
import { FASHION_MNIST_FILE_NAMES, FASHION_MNIST_MD5 } from '../../src/data/files.js';
import { locateFashionMnist, type LocateOptions } from '../../src/data/locate.js';
import { FASHION_DIR, md5, rm, serveDroppedBody, serveFiles, snapshot, tempDir, type FileServer } from './helpers.js';

const real = new Map<string, Uint8Array>(FASHION_MNIST_FILE_NAMES.map((n) => [n, readFileSync(join(FASHION_DIR, n))]));
const LABELS = 't10k-labels-idx1-ubyte.gz';

/** The real files, but one byte of t10k-labels flipped. */
function withCorruptLabels(): Map<string, Uint8Array> {
  const bad = Uint8Array.from(real.get(LABELS) ?? []);
  bad[100] = (bad[100] ?? 0) ^ 0xff;
  return new Map([...real, [LABELS, bad]]);
}

describe('download into the cache (loopback server)', () => {
  let good: FileServer;
  let corrupt: FileServer;
  let home = '';
  let cache = '';
  let options: LocateOptions;

  beforeAll(async () => {
    good = await serveFiles(real);
    corrupt = await serveFiles(withCorruptLabels());
  });
  afterAll(async () => {
    await good.close();
    await corrupt.close();
  });
  beforeEach(async () => {
    home = await tempDir('home');
    cache = join(home, '.cache', 'tapegrad', 'fashion-mnist');
    options = { env: {}, home, systemDir: join(home, 'no-system'), baseUrl: good.url };
    good.requests.length = 0;
    corrupt.requests.length = 0;
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('downloads the four files into the cache, verified, then finds them there', async () => {
    const progress: number[] = [];
    const found = await locateFashionMnist({ ...options, onProgress: (p) => progress.push(p.receivedBytes) });
    expect(found).toMatchObject({ dir: cache, source: 'download' });
    expect(good.requests).toEqual([...FASHION_MNIST_FILE_NAMES]);
    expect(progress.length).toBeGreaterThan(3);
    for (const name of FASHION_MNIST_FILE_NAMES) expect(md5(await readFile(join(cache, name)))).toBe(FASHION_MNIST_MD5[name]);
    expect((await readdir(cache)).sort()).toEqual([...FASHION_MNIST_FILE_NAMES].sort());
    const again = await locateFashionMnist(options);
    expect(again).toMatchObject({ dir: cache, source: 'cache' });
    expect(good.requests.length).toBe(4);
  });

  it('fetches only the files a partial cache lacks', async () => {
    await mkdir(cache, { recursive: true });
    await copyFile(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'), join(cache, 'train-images-idx3-ubyte.gz'));
    const found = await locateFashionMnist(options);
    expect(found.source).toBe('download');
    expect(good.requests).toEqual(FASHION_MNIST_FILE_NAMES.slice(1));
  });

  it('refuses a corrupted file with an MD5 error naming it, leaving the cache untouched', async () => {
    await mkdir(cache, { recursive: true });
    for (const name of FASHION_MNIST_FILE_NAMES.slice(0, 3)) await copyFile(join(FASHION_DIR, name), join(cache, name));
    await writeFile(join(cache, 'notes.txt'), 'pre-existing');
    const before = await snapshot(cache);
    const badMd5 = md5(withCorruptLabels().get(LABELS) ?? new Uint8Array());
    const err = await locateFashionMnist({ ...options, baseUrl: corrupt.url }).catch((e: unknown) => e);
    expect(corrupt.requests).toEqual([LABELS]);
    expect((err as Error).message).toContain(`${LABELS}: MD5 mismatch downloading ${corrupt.url}${LABELS}: expected ${FASHION_MNIST_MD5[LABELS]}, got ${badMd5}`);
    expect(await snapshot(cache)).toEqual(before);
  });

  it('never overwrites an existing file with a bad download', async () => {
    await mkdir(cache, { recursive: true });
    await writeFile(join(cache, LABELS), 'old content');
    const before = await snapshot(cache);
    await expect(downloadVerified(cache, LABELS, FASHION_MNIST_MD5[LABELS], { baseUrl: corrupt.url })).rejects.toThrow(
      new RegExp(`^${LABELS}: MD5 mismatch .*expected ${FASHION_MNIST_MD5[LABELS]}, got [0-9a-f]{32}$`),
    );
    await expect(downloadVerified(cache, 'missing.gz', '0', { baseUrl: corrupt.url })).rejects.toThrow(/^missing\.gz: HTTP 404 Not Found/);
    expect(await snapshot(cache)).toEqual(before);
  });

  it('removes the temp file when the connection drops mid-body', async () => {
    const dropping = await serveDroppedBody();
    const { url } = dropping;
    try {
      await mkdir(cache, { recursive: true });
      await expect(downloadVerified(cache, LABELS, FASHION_MNIST_MD5[LABELS], { baseUrl: url })).rejects.toThrow(
        new RegExp(`^${LABELS}: download from ${url}${LABELS} failed: `),
      );
      expect(await readdir(cache)).toEqual([]);
    } finally {
      await dropping.close();
    }
  });
});
