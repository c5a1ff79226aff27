/**
 * Downloads from a server that stalls, lies about Content-Length, streams forever or gzips the
 * body: each gives up quickly with an error naming the file, and leaves no temp file behind.
 * Stale temp files of a dead process are removed by the next download.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadVerified, DOWNLOAD_MARGIN_BYTES, type DownloadOptions } from '../../src/data/download.js';
import { FASHION_MNIST_BYTES, FASHION_MNIST_MD5 } from '../../src/data/files.js';
import { FASHION_DIR } from '../data/helpers.js';
import { faultDir } from './builders.js';
import { loopbackServer, pump, type LoopbackServer } from './loopback_server.js';

const LABELS = 't10k-labels-idx1-ubyte.gz';
const labels = readFileSync(join(FASHION_DIR, LABELS));
const CAP = FASHION_MNIST_BYTES[LABELS] + DOWNLOAD_MARGIN_BYTES;
/** Small timeouts, so that every case here gives up within a fraction of a second. */
const QUICK: DownloadOptions = { connectTimeoutMs: 200, idleTimeoutMs: 200 };

let dir = '';
let server: LoopbackServer | undefined;
beforeEach(async () => {
  dir = await faultDir('download');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Downloads LABELS from `server`, returning the error and how long it took to come. */
async function failing(options: DownloadOptions = {}): Promise<{ message: string; ms: number }> {
  const started = performance.now();
  const result = await downloadVerified(dir, LABELS, FASHION_MNIST_MD5[LABELS], { ...QUICK, baseUrl: server?.url, ...options }).then(
    () => new Error('the download succeeded'),
    (e: unknown) => e as Error,
  );
  return { message: result.message, ms: performance.now() - started };
}

describe('a download gives up on a misbehaving server', () => {
  it('a server that accepts the connection and never answers: the connect timeout, not minutes', async () => {
    server = await loopbackServer(() => {});
    const { message, ms } = await failing();
    expect(message).toBe(`${LABELS}: no response within 0.2 s from ${server.url}${LABELS}; gave up`);
    expect(ms).toBeLessThan(1500);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a server that stops sending mid-body: the idle timeout, with the bytes received', async () => {
    server = await loopbackServer((res) => {
      res.writeHead(200, { 'content-length': String(labels.length) });
      res.write(labels.subarray(0, 1000));
    });
    const { message, ms } = await failing();
    expect(message).toBe(`${LABELS}: no data for 0.2 s after 1000 bytes from ${server.url}${LABELS}; gave up`);
    expect(ms).toBeLessThan(1500);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a Content-Length of 10 GB is refused from the headers, before any body byte is written', async () => {
    server = await loopbackServer((res, self) => {
      res.writeHead(200, { 'content-length': '10000000000' });
      pump(res, self);
    });
    const { message, ms } = await failing();
    expect(message).toBe(`${LABELS}: ${server.url}${LABELS} announces 10000000000 bytes (Content-Length), more than the ${CAP} it can be; refused`);
    expect(ms).toBeLessThan(1500);
    expect(await readdir(dir)).toEqual([]);
    await server.allClosed();
    expect(server.sent.bytes).toBeLessThan(20e6);
  });

  it('an endless body without a length is cut off at the canonical size plus the margin', async () => {
    server = await loopbackServer((res, self) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      pump(res, self);
    });
    const { message, ms } = await failing({ idleTimeoutMs: 2000 });
    expect(message).toBe(`${LABELS}: ${server.url}${LABELS} sent more than ${CAP} bytes, more than the file can be; cut off`);
    expect(ms).toBeLessThan(2500);
    expect(await readdir(dir)).toEqual([]);
    // the client closed the connection: the server stopped long before its 3 s lifetime
    await server.allClosed();
    expect(server.sent.bytes).toBeLessThan(20e6);
  });

  it('a body sent with Content-Encoding: gzip is refused, not silently decoded; the request asked for identity', async () => {
    const gz = gzipSync(labels);
    server = await loopbackServer((res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(gz.length) });
      res.end(gz);
    });
    const { message } = await failing();
    expect(message).toBe(
      `${LABELS}: ${server.url}${LABELS} was sent with Content-Encoding: gzip although identity was asked for; refused, ` +
        'as the file is gzip already and its MD5 is over the bytes as published',
    );
    expect(server.requests.map((h) => h['accept-encoding'])).toEqual(['identity']);
    expect(await readdir(dir)).toEqual([]);
  });

  it('bad limits are refused naming them', async () => {
    await expect(downloadVerified(dir, LABELS, FASHION_MNIST_MD5[LABELS], { idleTimeoutMs: 0 })).rejects.toThrow('download: idleTimeoutMs must be a positive integer, got 0');
  });
});

/** The id of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((ok) => child.on('exit', ok));
  return child.pid ?? 0;
}

describe('temp files', () => {
  it('a .part file of a dead process is removed by the next download; one of a live process is kept', async () => {
    const dead = `.${LABELS}.${await deadPid()}.0123456789ab.part`;
    const live = `.${LABELS}.${process.ppid}.0123456789ab.part`;
    await writeFile(join(dir, dead), labels.subarray(0, 100));
    await writeFile(join(dir, live), labels.subarray(0, 100));
    await writeFile(join(dir, 'notes.part'), 'not ours');
    server = await loopbackServer((res) => {
      res.writeHead(200, { 'content-length': String(labels.length) });
      res.end(labels);
    });
    await downloadVerified(dir, LABELS, FASHION_MNIST_MD5[LABELS], { ...QUICK, baseUrl: server.url });
    expect((await readdir(dir)).sort()).toEqual([live, LABELS, 'notes.part'].sort());
  });
});
