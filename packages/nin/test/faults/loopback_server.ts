/**
 * A misbehaving HTTP server on 127.0.0.1 (ephemeral port) for the download fault tests. Every
 * connection is cut after `lifetimeMs` whatever the handler does, so a stalling or endless
 * response stops by itself even when the client under test never gives up.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the server saw. */
export interface LoopbackServer {
  readonly url: string;
  /** Headers of each request, in order. */
  readonly requests: IncomingHttpHeaders[];
  /** Body bytes handed to the sockets so far (by `pump` and `send`). */
  readonly sent: { bytes: number };
  /** Resolves when every connection that carried a request so far has closed (idle spares do not count). */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

/** Answers one request; `server.sent` is for the byte counts. */
export type Handler = (res: ServerResponse, server: LoopbackServer) => void;

/** Starts a server answering every request with `handler`, each connection cut after `lifetimeMs`. */
export async function loopbackServer(handler: Handler, lifetimeMs = 3000): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const closing: Promise<void>[] = [];
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer();
  const self: LoopbackServer = {
    url: '',
    requests,
    sent: { bytes: 0 },
    allClosed: () => Promise.all(closing).then(() => undefined),
    close: () =>
      new Promise<void>((ok) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => ok());
      }),
  };
  server.on('connection', (socket) => {
    sockets.add(socket);
    const cut = setTimeout(() => socket.destroy(), lifetimeMs);
    socket.on('close', () => {
      clearTimeout(cut);
      sockets.delete(socket);
    });
  });
  server.on('request', (req, res) => {
    requests.push(req.headers);
    const socket = req.socket;
    closing.push(new Promise((ok) => (socket.destroyed ? ok() : socket.on('close', () => ok()))));
    handler(res, self);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return Object.assign(self, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
}

/** Writes 64 KiB blocks for as long as the connection lasts, counting them in `server.sent`. */
export function pump(res: ServerResponse, server: LoopbackServer): void {
  const block = new Uint8Array(64 * 1024);
  const write = (): void => {
    while (!res.destroyed) {
      server.sent.bytes += block.length;
      if (!res.write(block)) {
        res.once('drain', write);
        return;
      }
    }
  };
  write();
}
