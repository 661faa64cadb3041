import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SignetError } from '../errors.ts';

/** One write the sandbox made to its image store, in words, for the presenter's panel. */
export interface StoreWrite {
  time: string;
  what: string;
}

const READY_TIMEOUT_MS = 15_000;

/**
 * A distribution registry of the sandbox's own on 127.0.0.1, its storage in the sandbox folder,
 * reached through a small recording proxy: every write anyone makes to it (Signet signing, a lesson
 * tampering) is noted as it happens, without changing what the registry says.
 */
export class SandboxRegistry {
  readonly url: string;
  readonly writes: StoreWrite[];
  private readonly child: ChildProcess;
  private readonly proxy: Server;
  private readonly onExit: () => void;

  private constructor(url: string, writes: StoreWrite[], child: ChildProcess, proxy: Server, onExit: () => void) {
    this.url = url;
    this.writes = writes;
    this.child = child;
    this.proxy = proxy;
    this.onExit = onExit;
  }

  // Starts the registry on a port of its own and the proxy in front of it; resolves once the registry answers.
  static async start(dir: string, executable: string, now: () => Date): Promise<SandboxRegistry> {
    await mkdir(join(dir, 'data'), { recursive: true });
    const backendPort = await freePort();
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${JSON.stringify(join(dir, 'data'))}`, '  delete:', '    enabled: true', 'http:', `  addr: 127.0.0.1:${backendPort}`, '  relativeurls: true', ''].join('\n'),
    );
    const child = spawn(executable, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    // The registry must not outlive Signet, even when Signet ends without closing the workshop.
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    const backend = `http://127.0.0.1:${backendPort}`;
    const writes: StoreWrite[] = [];
    const proxy = createServer((req, res) => forward(req, res, backendPort, (write) => writes.push({ time: now().toISOString(), what: write })));
    try {
      await waitUntilReady(backend, child, () => output);
      await new Promise<void>((resolve, reject) => {
        proxy.once('error', reject);
        proxy.listen(0, '127.0.0.1', () => resolve());
      });
    } catch (error) {
      process.removeListener('exit', onExit);
      child.kill('SIGKILL');
      proxy.close();
      throw error;
    }
    return new SandboxRegistry(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, writes, child, proxy, onExit);
  }

  // Stops the proxy and the registry; the storage stays for the caller to delete with the sandbox folder.
  async stop(): Promise<void> {
    process.removeListener('exit', this.onExit);
    this.proxy.closeAllConnections();
    await new Promise<void>((resolve) => this.proxy.close(() => resolve()));
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

function forward(req: IncomingMessage, res: ServerResponse, port: number, record: (what: string) => void): void {
  const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    const what = describeWrite(req.method ?? 'GET', req.url ?? '/', answer.statusCode ?? 0);
    if (what) record(what);
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`The workshop registry did not answer: ${error.message}`);
  });
  req.pipe(upstream);
}

// What a successful write request did, in the terms of the distribution API; reads and upload chunks are not writes worth telling.
export function describeWrite(method: string, url: string, status: number): string | null {
  if (status < 200 || status >= 300) return null;
  const parsed = new URL(url, 'http://registry');
  const match = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(parsed.pathname);
  if (!match) return null;
  const [, repository, kind, rest] = match as unknown as [string, string, string, string];
  const reference = decodeURIComponent(rest);
  if (kind === 'manifests') {
    if (method === 'PUT') return `${repository}: manifest stored ${/^sha256:/.test(reference) ? `by digest ${short(reference)}` : `under tag ${short(reference)}`}`;
    if (method === 'DELETE') return `${repository}: manifest ${short(reference)} deleted`;
    return null;
  }
  const digest = parsed.searchParams.get('digest');
  const mount = parsed.searchParams.get('mount');
  if (method === 'POST' && mount && status === 201) return `${repository}: blob ${short(mount)} mounted from ${parsed.searchParams.get('from') ?? 'another repository'}`;
  if ((method === 'PUT' || method === 'POST') && digest && status === 201) return `${repository}: blob ${short(digest)} uploaded`;
  if (method === 'DELETE') return `${repository}: blob ${short(reference)} deleted`;
  return null;
}

// Digests and digest-named tags cut to twelve hex digits: enough to tell them apart on a projector.
export function short(text: string): string {
  return text.replace(/([0-9a-f]{12})[0-9a-f]{52}/g, '$1…');
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new SignetError('Unavailable', `The workshop registry stopped at once: ${output().trim().slice(-500) || 'it printed nothing'}`);
    try {
      if ((await fetch(`${url}/v2/`)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new SignetError('Timeout', `The workshop registry did not answer within ${READY_TIMEOUT_MS / 1000} s: ${output().trim().slice(-500) || 'it printed nothing'}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
