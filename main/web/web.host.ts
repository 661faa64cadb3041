import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SOCKET_PATH, SocketRequestSchema, type SocketMessage } from '../../shared/contract.ts';
import { isLoopbackHost } from '../../shared/model/settings.model.ts';
import type { AppContext } from '../app/app.context.ts';
import { contentType, securityHeaders } from '../app/csp.ts';
import { readStaticFile } from '../app/static-files.ts';
import { SignetError } from '../errors.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';

export interface WebHostOptions {
  app: Pick<AppContext, 'dispatch' | 'events'>;
  staticDir: string;
  host?: string;
  port?: number;
  /** Serving beyond loopback exposes key operations to the network; it must be asked for by name. */
  allowRemote?: boolean;
  token?: string;
  /** Told when a page has connected with the token (the app window's launch file is then removed). */
  onClient?: () => void;
  /** Where socket and connection errors are written: the host's own log, never a page. */
  log?: (message: string) => void;
}

export interface WebHost {
  url: string;
  origin: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1 << 20;
/** WebSocket close codes: an unsupported frame, a malformed request, a frame over the size limit. */
const CLOSE_UNSUPPORTED = 1003;
const CLOSE_POLICY = 1008;
const CLOSE_TOO_BIG = 1009;

// Serves the built renderer and the IPC contract over one token-protected WebSocket, on loopback by default.
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.allowRemote) {
    throw new SignetError('Forbidden', `Refusing to listen on ${host}: only loopback addresses unless remote access is asked for explicitly.`);
  }
  const token = options.token ?? randomBytes(32).toString('base64url');
  const expectedToken = Buffer.from(token);
  const log = options.log ?? ((message: string) => console.error(`[signet] browser host: ${message}`));
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  sockets.on('error', (error) => log(`socket server error: ${error.message}`));
  let origin = '';
  let allowedHosts = new Set<string>();

  const server = createServer((request, response) => {
    serveStatic(request, response).catch((error: unknown) => {
      log(`static request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(500, securityHeaders([])).end('Internal error');
      else response.destroy();
    });
  });
  // A malformed request or a connection reset is that connection's end, not the host's.
  server.on('clientError', (error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
    log(`connection error: ${error.message}`);
  });

  async function serveStatic(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const headers = securityHeaders([origin.replace(/^http/, 'ws')]);
    if (!allowedHosts.has(request.headers.host ?? '')) {
      response.writeHead(421, headers).end('Misdirected request');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...headers, allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = new URL(request.url ?? '/', origin).pathname;
    } catch {
      response.writeHead(400, headers).end('Bad request');
      return;
    }
    const file = await readStaticFile(options.staticDir, path);
    if (!file) {
      response.writeHead(404, headers).end('Not found');
      return;
    }
    response.writeHead(200, { ...headers, 'content-type': contentType(file.path) });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => log(`upgrade connection error: ${error.message}`));
    const refusal = checkUpgrade(request);
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(ws));
  });

  function checkUpgrade(request: IncomingMessage): string | null {
    if (!allowedHosts.has(request.headers.host ?? '')) return '421 Misdirected Request';
    if (request.headers.origin !== origin) return '403 Forbidden';
    let url: URL;
    try {
      url = new URL(request.url ?? '/', origin);
    } catch {
      return '400 Bad Request';
    }
    if (url.pathname !== SOCKET_PATH) return '404 Not Found';
    const offered = Buffer.from(url.searchParams.get('token') ?? '');
    if (offered.length !== expectedToken.length || !timingSafeEqual(offered, expectedToken)) return '401 Unauthorized';
    return null;
  }

  function serveSocket(ws: WebSocket): void {
    const send = (message: SocketMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    options.onClient?.();
    const unsubscribe = options.app.events.subscribe((event, payload) => send({ kind: 'event', event, payload }));
    ws.on('close', unsubscribe);
    // ws closes a socket whose frame is over maxPayload (1009) or broken (1002) and reports it here; without a listener it would end the process.
    ws.on('error', (error) => {
      log(`socket closed on error: ${error.message}`);
      if (ws.readyState === ws.OPEN) ws.close(/max payload/i.test(error.message) ? CLOSE_TOO_BIG : CLOSE_POLICY, 'bad frame');
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.close(CLOSE_UNSUPPORTED, 'text frames only');
        return;
      }
      const request = SocketRequestSchema.safeParse(parseJsonOrUndefined(String(data)));
      if (!request.success) {
        ws.close(CLOSE_POLICY, 'malformed request');
        return;
      }
      const { id, channel, input } = request.data;
      options.app
        .dispatch(channel, input, { host: 'web' })
        .then((result) => send({ kind: 'result', id, result }))
        .catch((error: unknown) => {
          log(`request ${String(channel).slice(0, 80)} could not be answered: ${error instanceof Error ? error.message : String(error)}`);
          send({ kind: 'result', id, result: { ok: false, error: { code: 'Internal', message: 'The request could not be answered; the details are in the host log.' } } });
        });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log(`server error: ${error.message}`));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the browser host has no TCP address');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  origin = `http://${hostPart}:${address.port}`;
  allowedHosts = new Set([`${hostPart}:${address.port}`]);

  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    port: address.port,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
