import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startWebHost, type WebHost } from '../../main/web/web.host.ts';
import { requestChannels, requests, SOCKET_PATH, eventChannels } from '../../shared/contract.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';

let app: TestApp;
let host: WebHost;

before(async () => {
  const staticDir = await mkdtemp(join(tmpdir(), 'signet-static-'));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  app = await createTestApp({ probes: quietProbes });
  host = await startWebHost({ app, staticDir });
});

after(async () => {
  await host?.close();
  await app?.cleanup();
});

function connect(options: { token?: string; origin?: string; hostHeader?: string } = {}): Promise<WebSocket> {
  const url = `ws://127.0.0.1:${host.port}${SOCKET_PATH}?token=${encodeURIComponent(options.token ?? host.token)}`;
  const headers: Record<string, string> = {};
  if (options.hostHeader) headers.host = options.hostHeader;
  const ws = new WebSocket(url, { origin: options.origin ?? host.origin, headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function request(ws: WebSocket, id: number, channel: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { kind: string; id?: number; result?: never };
      if (message.kind === 'result' && message.id === id) {
        ws.off('message', onMessage);
        resolve(message.result!);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, channel, input }));
  });
}

test('the browser host refuses to listen beyond loopback unless asked by name', async () => {
  await assert.rejects(startWebHost({ app, staticDir: tmpdir(), host: '0.0.0.0' }), /only loopback/);
});

test('a socket without the token, from another origin, or for another host name is refused', async () => {
  await assert.rejects(connect({ token: 'wrong' }), /HTTP 401/);
  await assert.rejects(connect({ token: '' }), /HTTP 401/);
  await assert.rejects(connect({ origin: 'http://evil.example' }), /HTTP 403/);
  await assert.rejects(connect({ origin: `http://localhost:${host.port}` }), /HTTP 403/);
  await assert.rejects(connect({ hostHeader: `rebind.example:${host.port}` }), /HTTP 421/);
});

test('the socket serves the same contract with the same validation as the other hosts', async () => {
  const ws = await connect();
  for (const [index, channel] of requestChannels.entries()) {
    if (!requests[channel].input.safeParse({}).success) continue;
    const good = await request(ws, index + 1, channel, {});
    // Some channels answer a plain refusal in a fresh data folder (no CA yet, no lesson started); none may fail validation or crash.
    assert.ok(good.ok || !['BadInput', 'Internal'].includes(good.error?.code ?? ''), `${channel}: ${JSON.stringify(good)}`);
  }
  const junk = await request(ws, 100, requestChannels[0]!, { refresh: 'sometimes' });
  assert.equal(junk.error?.code, 'BadInput');
  const unknown = await request(ws, 101, 'shell.exec', {});
  assert.equal(unknown.error?.code, 'BadInput');
  ws.close();
});

test('pushes from main reach connected pages, validated', async () => {
  const ws = await connect();
  const received = new Promise<{ event: string }>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { kind: string; event: string };
      if (message.kind === 'event') resolve(message);
    });
  });
  const update = requestChannels.find((c) => c.endsWith('.update'))!;
  await request(ws, 1, update, { layouts: [] });
  const event = await received;
  assert.ok(eventChannels.includes(event.event as never), event.event);
  ws.close();
});

test('a malformed frame closes the socket with a policy error', async () => {
  const ws = await connect();
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send('{"id": "x", "channel": 5');
  assert.equal(await closed, 1008);
});

test('a frame over the size limit closes only that socket (1009); the host keeps answering', async () => {
  const ws = await connect();
  ws.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send('x'.repeat(1.5 * 1024 * 1024));
  assert.equal(await closed, 1009);
  const again = await connect();
  const answer = await request(again, 1, 'system.status', {});
  assert.ok(answer.ok || answer.error?.code !== 'Internal', JSON.stringify(answer));
  again.close();
});

test('broken HTTP, a broken upgrade and a reset connection do not stop the host', async () => {
  const { connect: raw } = await import('node:net');
  const send = (bytes: string) =>
    new Promise<string>((resolve) => {
      const socket = raw(host.port, '127.0.0.1', () => socket.end(bytes));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('error', () => resolve(answer));
      socket.on('close', () => resolve(answer));
    });
  assert.match(await send('GARBAGE \x00\x01 HTTP/9\r\n\r\n'), /400/);
  await send(`GET ${SOCKET_PATH}?token=${host.token} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nOrigin: ${host.origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const reset = raw(host.port, '127.0.0.1', () => {
    reset.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n`);
    reset.resetAndDestroy();
  });
  reset.on('error', () => undefined);
  const ws = await connect();
  ws.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  // A frame with the reserved bits set is a protocol error, reported on the socket, not thrown.
  (ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.from([0xf1, 0x80, 0, 0, 0, 0]));
  assert.ok([1002, 1006, 1008].includes(await closed));
  const again = await connect();
  assert.ok((await request(again, 2, 'system.status', {})).ok !== undefined);
  again.close();
});
