/**
 * A failed download leaves no empty cache folder behind: the folder (and its missing parents) is
 * made only once a body is about to be written, and removed again while empty when that fails.
 * Runs without the data set (a loopback server with small files).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadVerified } from '../../src/data/download.js';
import { fashionMnistCacheDir, locateFashionMnist } from '../../src/data/locate.js';
import { md5, rm, serveDroppedBody, serveFiles, tempDir, type FileServer } from './tools.js';

const BOGUS = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);

describe('the cache folder of a failed download', () => {
  let server: FileServer;
  let root = '';

  beforeAll(async () => {
    server = await serveFiles(new Map([['bogus.gz', BOGUS]]));
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    root = await tempDir('cache-dir');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('is never made when the server refuses the first file ($XDG_CACHE_HOME chooses the cache)', async () => {
    const env = { XDG_CACHE_HOME: join(root, 'xdg') };
    const options = { env, home: join(root, 'home'), systemDir: join(root, 'no-system'), baseUrl: server.url };
    expect(fashionMnistCacheDir(options)).toBe(join(root, 'xdg', 'tapegrad', 'fashion-mnist'));
    await expect(locateFashionMnist(options)).rejects.toThrow(/train-images-idx3-ubyte\.gz: HTTP 404 Not Found/);
    expect(await readdir(root)).toEqual([]);
  });

  it('is removed with the parents the download made when the file fails its MD5', async () => {
    const dir = join(root, 'cache', 'tapegrad', 'fashion-mnist');
    await expect(downloadVerified(dir, 'bogus.gz', '0'.repeat(32), { baseUrl: server.url })).rejects.toThrow(
      `bogus.gz: MD5 mismatch downloading ${server.url}bogus.gz: expected ${'0'.repeat(32)}, got ${md5(BOGUS)}`,
    );
    expect(await readdir(root)).toEqual([]);
  });

  it('is removed when the connection drops mid-body', async () => {
    const dropping = await serveDroppedBody();
    try {
      await expect(downloadVerified(join(root, 'cache', 'fashion-mnist'), 'bogus.gz', md5(BOGUS), { baseUrl: dropping.url })).rejects.toThrow(/^bogus\.gz: download from .* failed: /);
      expect(await readdir(root)).toEqual([]);
    } finally {
      await dropping.close();
    }
  });

  it('is kept when it was there before, and holds the file when the download succeeds', async () => {
    const dir = join(root, 'cache');
    await mkdir(dir);
    await expect(downloadVerified(dir, 'bogus.gz', '0'.repeat(32), { baseUrl: server.url })).rejects.toThrow(/MD5 mismatch/);
    expect(await readdir(root)).toEqual(['cache']);
    const fresh = join(root, 'fresh', 'fashion-mnist');
    expect(await downloadVerified(fresh, 'bogus.gz', md5(BOGUS), { baseUrl: server.url })).toBe(join(fresh, 'bogus.gz'));
    expect(await readdir(fresh)).toEqual(['bogus.gz']);
    expect(existsSync(join(root, 'cache'))).toBe(true);
  });
});
