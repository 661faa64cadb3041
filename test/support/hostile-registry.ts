import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** What the registry sends for one path: a body, or an endless stream, with the status and headers given. */
export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  /** Bytes, 'endless' for a body that never ends (chunked, no length), or 'stall' for an answer that never comes. */
  body: Buffer | string | 'endless' | 'stall';
}

export interface HostileRegistry {
  url: string;
  /** host:port, as an image reference names the registry. */
  host: string;
  /** Requests received so far, by path. */
  requests: string[];
  /** Serves `answer` at /v2/<path>. */
  set(path: string, answer: Answer): void;
  /** A manifest (any bytes) under its digest and, if given, a tag; returns its digest. */
  manifest(repository: string, body: Buffer | string | object, options?: { tag?: string; mediaType?: string }): string;
  blob(repository: string, body: Buffer | string): string;
  stop(): Promise<void>;
}

export const digestOf = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

// A loopback registry that serves exactly the documents a test gives it: malformed, oversized, endless or of the wrong type; anything else is a 404.
export async function startHostileRegistry(): Promise<HostileRegistry> {
  const answers = new Map<string, Answer>();
  const requests: string[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://registry').pathname);
    requests.push(path);
    if (path === '/v2/' || path === '/v2') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const answer = answers.get(path.slice(4));
    if (!answer) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      return;
    }
    if (answer.body === 'stall') {
      open.add(response);
      response.on('close', () => open.delete(response));
      return;
    }
    response.writeHead(answer.status ?? 200, answer.headers ?? {});
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    if (answer.body !== 'endless') {
      response.end(answer.body);
      return;
    }
    open.add(response);
    const chunk = Buffer.alloc(64 * 1024, 0x5b);
    const pump = () => {
      while (!response.destroyed && response.write(chunk));
      if (!response.destroyed) response.once('drain', pump);
    };
    response.on('close', () => open.delete(response));
    response.on('error', () => undefined);
    pump();
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const registry: HostileRegistry = {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    set: (path, answer) => answers.set(path, answer),
    manifest: (repository, body, options = {}) => {
      const bytes = Buffer.isBuffer(body) || typeof body === 'string' ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
      const digest = digestOf(bytes);
      const mediaType = options.mediaType ?? (typeof body === 'object' && !Buffer.isBuffer(body) && typeof (body as { mediaType?: unknown }).mediaType === 'string' ? (body as { mediaType: string }).mediaType : OCI_MANIFEST);
      const answer: Answer = { headers: { 'content-type': mediaType, 'docker-content-digest': digest, 'content-length': String(bytes.length) }, body: bytes };
      answers.set(`${repository}/manifests/${digest}`, answer);
      if (options.tag) answers.set(`${repository}/manifests/${options.tag}`, answer);
      return digest;
    },
    blob: (repository, body) => {
      const bytes = Buffer.from(body);
      const digest = digestOf(bytes);
      answers.set(`${repository}/blobs/${digest}`, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) }, body: bytes });
      return digest;
    },
    stop: async () => {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return registry;
}

/** A small deterministic PRNG (mulberry32), so a fuzz failure names the seed that reproduces it. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
