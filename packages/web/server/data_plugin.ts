/**
 * The page's server side, for `vite` (dev) and `vite preview` (the static build): every response
 * carries the cross-origin isolation headers (so the CPU backend may run Web Workers on shared
 * memory), and Fashion-MNIST's four files are served under `/data/fashion-mnist/` from where the
 * Node loader finds them (`--data` aside: `$TAPEGRAD_DATA/fashion-mnist`, `~/.cache/tapegrad`,
 * Debian's `/usr/share/datasets/fashion-mnist`; never downloaded here).
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FASHION_MNIST_FILE_NAMES, locateFashionMnist, type FashionMnistFile } from '@tapegrad/nin';
import type { Plugin } from 'vite';

/** The headers that make a page cross-origin isolated (`crossOriginIsolated === true`). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
});

/** Where the page asks for the data. */
export const DATA_ROUTE = '/data/fashion-mnist/';

/** What `/data/fashion-mnist/index.json` answers: where the files are, or why there are none. */
export type DataIndex =
  | { readonly available: true; readonly source: string; readonly files: readonly FashionMnistFile[] }
  | { readonly available: false; readonly reason: string };

type Next = (error?: unknown) => void;

/** Options of `tapegradServer`. */
export interface ServerOptions {
  /** Set the isolation headers (default true; false serves the page as a plain site, to check the one-thread fallback). */
  readonly isolate?: boolean;
  /** Environment the data is located from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Answers the data routes; other requests go on to `next` with the isolation headers set. */
export function tapegradMiddleware(options: ServerOptions = {}): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const isolate = options.isolate ?? true;
  return (req, res, next) => {
    if (isolate) for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value);
    const path = (req.url ?? '').split('?')[0];
    if (!path.startsWith(DATA_ROUTE)) return next();
    serveData(path.slice(DATA_ROUTE.length), options.env ?? process.env, res).catch(next);
  };
}

async function serveData(name: string, env: Readonly<Record<string, string | undefined>>, res: ServerResponse): Promise<void> {
  let located;
  try {
    located = await locateFashionMnist({ env, download: false });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (name === 'index.json') return sendJson(res, 200, { available: false, reason } satisfies DataIndex);
    return sendJson(res, 404, { error: reason });
  }
  if (name === 'index.json') {
    return sendJson(res, 200, { available: true, source: `${located.dir} (${located.source})`, files: FASHION_MNIST_FILE_NAMES } satisfies DataIndex);
  }
  if (!(FASHION_MNIST_FILE_NAMES as readonly string[]).includes(name)) return sendJson(res, 404, { error: `no data file '${name}'; there are ${FASHION_MNIST_FILE_NAMES.join(', ')}` });
  // The located file may be the gzipped one or its uncompressed twin; the page tells them apart by their first bytes.
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-cache' });
  createReadStream(located.files[name as FashionMnistFile]).pipe(res);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A Vite plugin adding `tapegradMiddleware` to the dev server and to `vite preview`. */
export function tapegradServer(options: ServerOptions = {}): Plugin {
  return {
    name: 'tapegrad-server',
    configureServer(server) {
      server.middlewares.use(tapegradMiddleware(options));
    },
    configurePreviewServer(server) {
      server.middlewares.use(tapegradMiddleware(options));
    },
  };
}
