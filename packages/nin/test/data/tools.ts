/** Temp directories, MD5s, IDX file bytes and a loopback file server for the data tests (none needs the real data). */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An IDX file's bytes: the big-endian u32 header words (magic first), then `body`. */
export function idxBytes(header: readonly number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length * 4 + body.length);
  const view = new DataView(out.buffer);
  header.forEach((word, i) => view.setUint32(i * 4, word, false));
  out.set(body, header.length * 4);
  return out;
}

/** Hex MD5 of a byte array. */
export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** A fresh temp directory; remove it with `rm(dir, {recursive: true, force: true})`. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tapegrad-${prefix}-`));
}

/** Every file under `dir` with its MD5, sorted by name. */
export async function snapshot(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).sort();
  return Promise.all(names.map(async (n) => `${n} ${md5(await readFile(join(dir, n)))}`));
}

export { rm };

/** An HTTP server on 127.0.0.1 (ephemeral port) serving `files` by name; 404 for anything else. */
export interface FileServer {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** Starts a loopback server serving the given in-memory files at `/<name>`. */
export async function serveFiles(files: ReadonlyMap<string, Uint8Array>): Promise<FileServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    requests.push(name);
    const body = files.get(name);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise<void>((ok, fail) => server.close((err) => (err ? fail(err) : ok()))),
  };
}

/**
 * A loopback server that announces 100,000 bytes, sends the first `bytes` of them and drops the
 * connection: a download that fails mid-body.
 */
export async function serveDroppedBody(bytes = 1000): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': '100000' });
    res.write(new Uint8Array(bytes), () => res.destroy());
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}
