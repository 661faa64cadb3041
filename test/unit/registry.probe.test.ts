import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { probeRegistry } from '../../main/registry/registry.probe.ts';
import { freePort } from '../support/processes.ts';

const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

async function serve(handler: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => handler(res));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const probe = (url: string, timeoutMs?: number) => probeRegistry({ name: 'r', url, insecure: false }, { timeoutMs });

test('a bearer-protected registry is reachable and names its scheme', async () => {
  const url = await serve((res) =>
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="https://auth.example/token"', 'docker-distribution-api-version': 'registry/2.0' }).end(),
  );
  const status = await probe(url);
  assert.equal(status.reachable, true);
  assert.equal(status.auth, 'bearer');
  assert.equal(status.apiVersion, 'registry/2.0');
});

test('redirects are not followed and are reported', async () => {
  const url = await serve((res) => res.writeHead(302, { location: 'http://elsewhere.example/v2/' }).end());
  const status = await probe(url);
  assert.equal(status.reachable, false);
  assert.match(status.error?.message ?? '', /redirects to http:\/\/elsewhere\.example/);
});

test('a server that is not a registry, a closed port and a silent server each get their own words', async () => {
  const notRegistry = await serve((res) => res.writeHead(404).end('nope'));
  assert.match((await probe(notRegistry)).error?.message ?? '', /HTTP 404/);
  const closed = await probe(`http://127.0.0.1:${await freePort()}`);
  assert.equal(closed.error?.code, 'Unavailable');
  assert.match(closed.error?.message ?? '', /Nothing is listening/);
  const silent = await serve(() => undefined);
  const slow = await probe(silent, 300);
  assert.equal(slow.error?.code, 'Timeout');
});
