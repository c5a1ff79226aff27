import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FASHION_MNIST_FILE_NAMES } from '../../src/data/files.js';
import { fashionMnistCacheDir, locateFashionMnist, type LocateOptions } from '../../src/data/locate.js';
import { rm, serveFiles, tempDir } from './tools.js';

/** Fills `dir` with four placeholder files named as the canonical ones (look-up does not parse). */
async function fill(dir: string, names: readonly string[] = FASHION_MNIST_FILE_NAMES): Promise<string> {
  await mkdir(dir, { recursive: true });
  await Promise.all(names.map((n) => writeFile(join(dir, n), dir)));
  return dir;
}

describe('locateFashionMnist look-up order', () => {
  let root = '';
  let places: { data: string; dataSub: string; env: string; cache: string; system: string };
  let options: LocateOptions;

  beforeEach(async () => {
    root = await tempDir('locate');
    places = {
      data: join(root, 'data'),
      dataSub: join(root, 'data', 'fashion-mnist'),
      env: join(root, 'tdata', 'fashion-mnist'),
      cache: join(root, 'home', '.cache', 'tapegrad', 'fashion-mnist'),
      system: join(root, 'usr-share'),
    };
    options = { dir: places.data, env: { TAPEGRAD_DATA: join(root, 'tdata') }, home: join(root, 'home'), systemDir: places.system, download: false };
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('each place takes precedence over the next', async () => {
    for (const dir of Object.values(places)) await fill(dir);
    const expectations: [keyof typeof places, string][] = [
      ['env', 'env'],
      ['cache', 'cache'],
      ['system', 'system'],
    ];
    for (const [place, source] of expectations) {
      const found = await locateFashionMnist({ ...options, dir: undefined });
      expect(found).toMatchObject({ dir: places[place], source });
      expect(found.files['t10k-labels-idx1-ubyte.gz']).toBe(join(places[place], 't10k-labels-idx1-ubyte.gz'));
      // removing the winner's files hands over to the next
      await Promise.all(FASHION_MNIST_FILE_NAMES.map((n) => rm(join(places[place], n))));
    }
    await expect(locateFashionMnist({ ...options, dir: undefined })).rejects.toThrow(/Fashion-MNIST not found/);
  });

  it('--data DIR is DIR itself, else DIR/fashion-mnist, and nothing else', async () => {
    for (const dir of Object.values(places)) await fill(dir);
    expect(await locateFashionMnist(options)).toMatchObject({ dir: places.data, source: 'dir' });
    // removing DIR's files (not its folder, which holds DIR/fashion-mnist) hands over to DIR/fashion-mnist
    await Promise.all(FASHION_MNIST_FILE_NAMES.map((n) => rm(join(places.data, n))));
    expect(await locateFashionMnist(options)).toMatchObject({ dir: places.dataSub, source: 'dir' });
  });

  it('--data DIR that does not exist, is a file or lacks files is an error, not a fall-through', async () => {
    // every other place holds the data: none of them may be used
    for (const dir of [places.env, places.cache, places.system]) await fill(dir);
    const files = FASHION_MNIST_FILE_NAMES.join(', ');
    const gone = join(root, 'gone');
    await expect(locateFashionMnist({ ...options, dir: gone })).rejects.toThrow(
      `--data ${gone}: no Fashion-MNIST there (${gone}: does not exist; ${join(gone, 'fashion-mnist')}: does not exist); ` +
        `DIR or DIR/fashion-mnist must hold ${files} (gzipped or not)`,
    );
    const file = join(root, 'a-file');
    await writeFile(file, 'not a folder');
    await expect(locateFashionMnist({ ...options, dir: file })).rejects.toThrow(`--data ${file}: no Fashion-MNIST there (${file}: not a directory; `);
    await fill(places.data, FASHION_MNIST_FILE_NAMES.slice(1));
    await expect(locateFashionMnist(options)).rejects.toThrow(
      `--data ${places.data}: no Fashion-MNIST there (${places.data}: missing train-images-idx3-ubyte.gz; ${places.dataSub}: does not exist)`,
    );
  });

  it('accepts uncompressed files named without .gz', async () => {
    await fill(places.env, FASHION_MNIST_FILE_NAMES.map((n) => n.replace(/\.gz$/, '')));
    const found = await locateFashionMnist({ ...options, dir: undefined });
    expect(found.source).toBe('env');
    expect(found.files['train-images-idx3-ubyte.gz']).toBe(join(places.env, 'train-images-idx3-ubyte'));
  });

  it('respects XDG_CACHE_HOME when absolute, and ignores a relative one', () => {
    expect(fashionMnistCacheDir({ env: { XDG_CACHE_HOME: '/xdg' }, home: '/h' })).toBe('/xdg/tapegrad/fashion-mnist');
    expect(fashionMnistCacheDir({ env: { XDG_CACHE_HOME: 'rel' }, home: '/h' })).toBe('/h/.cache/tapegrad/fashion-mnist');
    expect(fashionMnistCacheDir({ env: {}, home: '/h' })).toBe('/h/.cache/tapegrad/fashion-mnist');
  });

  it('when every place fails, one error lists each place, why, and both fixes', async () => {
    await fill(places.env, FASHION_MNIST_FILE_NAMES.slice(0, 3));
    await writeFile(join(root, 'usr-share'), 'a file, not a folder');
    const server = await serveFiles(new Map());
    try {
      const err = await locateFashionMnist({ ...options, dir: undefined, download: true, baseUrl: server.url }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const lines = (err as Error).message.split('\n');
      expect(lines[0]).toMatch(/^Fashion-MNIST not found: looked for train-images-idx3-ubyte\.gz, .*t10k-labels-idx1-ubyte\.gz in:$/);
      expect(lines.slice(1, 6)).toEqual([
        '  1. --data DIR: not given',
        `  2. $TAPEGRAD_DATA/fashion-mnist (${places.env}): missing t10k-labels-idx1-ubyte.gz`,
        `  3. cache ${places.cache}: does not exist`,
        `  4. ${places.system} (Debian's dataset-fashion-mnist): not a directory`,
        `  5. download from ${server.url} into ${places.cache}: train-images-idx3-ubyte.gz: HTTP 404 Not Found from ${server.url}train-images-idx3-ubyte.gz`,
      ]);
      expect((err as Error).message).toContain('pass --data DIR');
      expect((err as Error).message).toContain('set TAPEGRAD_DATA=DIR');
      expect((err as Error).message).toContain('apt-get install dataset-fashion-mnist');
    } finally {
      await server.close();
    }
  });

  it('says why unset places were skipped, and that downloading was disabled', async () => {
    const err = await locateFashionMnist({ env: {}, home: join(root, 'home'), systemDir: places.system, download: false }).catch((e: unknown) => e);
    const message = (err as Error).message;
    expect(message).toContain('1. --data DIR: not given');
    expect(message).toContain('2. $TAPEGRAD_DATA/fashion-mnist: TAPEGRAD_DATA is not set');
    expect(message).toContain(`5. download from http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/ into ${places.cache}: downloading is disabled`);
  });

  it('a download that cannot connect is listed with its cause', async () => {
    const server = await serveFiles(new Map());
    await server.close(); // the port is now closed: connection refused
    const err = await locateFashionMnist({ ...options, dir: undefined, download: true, baseUrl: server.url }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/5\. download from .*: train-images-idx3-ubyte\.gz: download from .* failed: fetch failed: .*ECONNREFUSED/);
  });
});
