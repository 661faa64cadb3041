import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegistryClient, sha256Digest } from '../../main/registry/registry.client.ts';
import { DockerCredentials, KeychainRegistryCredentials } from '../../main/registry/docker-credentials.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';

const oras = fileURLToPath(new URL('../../.tools/bin/oras', import.meta.url));
let registry: Registry;
const servers: Server[] = [];

before(async () => {
  registry = await startRegistry();
});
after(async () => {
  servers.forEach((s) => s.close());
  await registry?.stop();
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, base: string) => void): Promise<string> {
  let base = '';
  const server = createServer((req, res) => handler(req, res, base));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}

function code(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

test('an artifact pushed by oras 1.2 is read back by tag and digest, checked against its digests', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'signet-oras-'));
  await writeFile(join(dir, 'notes.txt'), 'release notes\n');
  const host = new URL(registry.url).host;
  await run(oras, ['push', '--plain-http', `${host}/demo/app:v1`, 'notes.txt:text/plain'], { cwd: dir });
  const resolved = (await run(oras, ['resolve', '--plain-http', `${host}/demo/app:v1`])).trim();
  const client = new RegistryClient({ baseUrl: registry.url });
  const manifest = await client.getManifest('demo/app', 'v1');
  assert.equal(manifest.digest, resolved);
  assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  const layer = (JSON.parse(manifest.bytes.toString()) as { layers: { digest: string }[] }).layers[0]!;
  assert.equal((await client.getBlob('demo/app', layer.digest)).toString(), 'release notes\n');
  assert.deepEqual((await client.getManifest('demo/app', resolved)).bytes, manifest.bytes);
  assert.deepEqual(await client.listTags('demo/app'), ['v1']);
  assert.equal((await client.headManifest('demo/app', 'v1'))?.digest, resolved);
  assert.equal(await client.headManifest('demo/app', 'nope'), null);
  await assert.rejects(client.getManifest('demo/none', 'v1'), (e) => code(e) === 'NotFound');
});

test('plain HTTP beyond loopback is refused unless marked insecure', () => {
  assert.throws(() => new RegistryClient({ baseUrl: 'http://registry.example.com' }), /Plain HTTP/);
  assert.doesNotThrow(() => new RegistryClient({ baseUrl: 'http://registry.example.com', insecure: true }));
});

test('a manifest whose bytes do not match the digest asked for, or the digest claimed, is refused', async () => {
  const body = Buffer.from('{"schemaVersion":2}');
  const base = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': req.url!.includes('claimed') ? `sha256:${'0'.repeat(64)}` : sha256Digest(body) });
    res.end(body);
  });
  const client = new RegistryClient({ baseUrl: base });
  await assert.rejects(client.getManifest('x/y', `sha256:${'1'.repeat(64)}`), /not the sha256:1111/);
  await assert.rejects(client.getManifest('x/claimed', 'v1'), /says the manifest is sha256:0000/);
  await assert.rejects(client.getBlob('x/y', `sha256:${'2'.repeat(64)}`), /blob bytes whose digest/);
});

test('an oversized manifest and an endless body are cut off, not buffered', async () => {
  const base = await serve((req, res) => {
    if (req.url!.includes('declared')) {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (res.write(chunk));
      res.once('drain', pump);
    };
    pump();
    req.on('close', () => res.destroy());
  });
  const client = new RegistryClient({ baseUrl: base, maxManifestBytes: 1024 * 1024 });
  await assert.rejects(client.getManifest('x/declared', 'v1'), /over the 1048576-byte limit/);
  const started = Date.now();
  await assert.rejects(client.getManifest('x/endless', 'v1'), /reading stopped/);
  assert.ok(Date.now() - started < 5000);
});

test('redirects to another host are refused for API calls and allowed, without credentials, for blobs', async () => {
  const blob = Buffer.from('layer bytes');
  let sawAuthorization: string | undefined = 'unset';
  const storage = await serve((req, res) => {
    sawAuthorization = req.headers.authorization;
    res.end(blob);
  });
  const base = await serve((req, res) => {
    res.writeHead(307, { location: `${storage}/bucket${req.url}` });
    res.end();
  });
  const client = new RegistryClient({ baseUrl: base });
  await assert.rejects(client.getManifest('x/y', 'v1'), (e) => code(e) === 'Forbidden' && /another host/.test((e as Error).message));
  assert.equal((await client.getBlob('x/y', sha256Digest(blob))).toString(), 'layer bytes');
  assert.equal(sawAuthorization, undefined);
});

test('a bearer challenge is answered once; a registry that keeps saying 401 gets a clear refusal, not a loop', async () => {
  let tokenRequests = 0;
  let registryRequests = 0;
  const tokens = await serve((req, res) => {
    tokenRequests++;
    const url = new URL(req.url!, 'http://x');
    assert.equal(url.searchParams.get('scope'), 'repository:team/app:pull');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: url.searchParams.get('service') === 'good' ? 'good-token' : 'bad-token', expires_in: 300 }));
  });
  const body = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
  const makeRegistry = (service: string) =>
    serve((req, res) => {
      registryRequests++;
      if (req.headers.authorization !== 'Bearer good-token') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens}/token",service="${service}",scope="repository:team/app:pull"` });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(body);
    });
  const good = new RegistryClient({ baseUrl: await makeRegistry('good') });
  assert.equal((await good.getManifest('team/app', 'v1')).digest, sha256Digest(body));
  await good.getManifest('team/app', 'v1');
  assert.equal(tokenRequests, 1, 'the token is reused while it is valid');
  registryRequests = 0;
  const looping = new RegistryClient({ baseUrl: await makeRegistry('bad') });
  await assert.rejects(looping.getManifest('team/app', 'v1'), (e) => code(e) === 'Unauthorized');
  assert.equal(registryRequests, 2, 'one try without, one with the token, then stop');
});

test('5xx answers are retried a bounded number of times; a silent registry times out', async () => {
  let hits = 0;
  const failing = await serve((_req, res) => {
    hits++;
    res.writeHead(503);
    res.end();
  });
  await assert.rejects(new RegistryClient({ baseUrl: failing, retries: 2 }).getManifest('x/y', 'v1'), /HTTP 503\) after retries/);
  assert.equal(hits, 3);
  const silent = await serve(() => undefined);
  await assert.rejects(new RegistryClient({ baseUrl: silent, timeoutMs: 300 }).getManifest('x/y', 'v1'), (e) => code(e) === 'Timeout');
});

test('tag lists are followed page by page through the Link header, and only within the repository', async () => {
  const pages: Record<string, { tags: string[]; next?: string }> = {
    '': { tags: ['a', 'b'], next: '/v2/x/y/tags/list?n=2&last=b' },
    b: { tags: ['c', 'd'], next: '/v2/x/y/tags/list?n=2&last=d' },
    d: { tags: ['e'] },
  };
  const base = await serve((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname.startsWith('/v2/evil')) {
      res.writeHead(200, { link: '</v2/other/repo/tags/list?n=2>; rel="next"', 'content-type': 'application/json' });
      res.end('{"tags":["z"]}');
      return;
    }
    const page = pages[url.searchParams.get('last') ?? '']!;
    res.writeHead(200, { 'content-type': 'application/json', ...(page.next ? { link: `<${page.next}>; rel="next"` } : {}) });
    res.end(JSON.stringify({ name: 'x/y', tags: page.tags }));
  });
  const client = new RegistryClient({ baseUrl: base });
  assert.deepEqual(await client.listTags('x/y'), ['a', 'b', 'c', 'd', 'e']);
  await assert.rejects(client.listTags('evil/repo'), /somewhere else/);
});

test('credentials come from the OS keychain, the Docker config and credential helpers, and are sent only when challenged', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'signet-docker-config-'));
  const body = Buffer.from('{"schemaVersion":2}');
  const seen: (string | undefined)[] = [];
  const base = await serve((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}` && req.headers.authorization !== `Basic ${Buffer.from('helper-user:helper-secret').toString('base64')}`) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
    res.end(body);
  });
  const host = new URL(base).host;
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
  const fromConfig = new RegistryClient({ baseUrl: base, credentials: new DockerCredentials({ DOCKER_CONFIG: dir }) });
  assert.equal((await fromConfig.getManifest('x/y', 'v1')).digest, sha256Digest(body));
  assert.equal(seen[0], undefined, 'the first request carries no credentials');

  const helperDir = await mkdtemp(join(tmpdir(), 'signet-helper-'));
  await writeFile(join(helperDir, 'docker-credential-signettest'), '#!/bin/sh\nread server\necho "{\\"ServerURL\\":\\"$server\\",\\"Username\\":\\"helper-user\\",\\"Secret\\":\\"helper-secret\\"}"\n');
  await chmod(join(helperDir, 'docker-credential-signettest'), 0o755);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [host]: 'signettest' } }));
  const path = process.env.PATH;
  process.env.PATH = `${helperDir}:${path}`;
  try {
    const fromHelper = new RegistryClient({ baseUrl: base, credentials: new DockerCredentials({ DOCKER_CONFIG: dir }) });
    assert.equal((await fromHelper.getManifest('x/y', 'v1')).digest, sha256Digest(body));
  } finally {
    process.env.PATH = path;
  }
  const none = new RegistryClient({ baseUrl: base });
  await assert.rejects(none.getManifest('x/y', 'v1'), (e) => code(e) === 'Unauthorized');

  const keychain = new MemoryKeychain();
  const fromKeychain = new KeychainRegistryCredentials(keychain, new DockerCredentials({ DOCKER_CONFIG: join(dir, 'nowhere') }));
  await assert.rejects(new RegistryClient({ baseUrl: base, credentials: fromKeychain }).getManifest('x/y', 'v1'), (e) => code(e) === 'Unauthorized');
  await fromKeychain.remember(host, { username: 'alice', password: 's3cret' });
  assert.equal((await new RegistryClient({ baseUrl: base, credentials: fromKeychain }).getManifest('x/y', 'v1')).digest, sha256Digest(body));
  assert.ok([...keychain.secrets.keys()].includes(`registry:${host}`), 'kept in the keychain, nowhere else');
});
