import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { ImageFactory } from '../support/image-factory.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { run } from '../support/processes.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import type { InspectProgress } from '../../shared/model/images.model.ts';
import { createClient, RequestFailed, type Client } from '../../shared/client.ts';

const tools = join(fileURLToPath(new URL('../../', import.meta.url)), '.tools', 'bin');
let registry: Registry;
let app: TestApp;
let work: string;
let api: Client;

// The renderer's own typed client, bound to the dispatcher every host uses.
const refusal = async (call: Promise<unknown>): Promise<{ code: string; message: string }> => {
  try {
    await call;
  } catch (error) {
    if (error instanceof RequestFailed) return error.error;
    throw error;
  }
  throw new Error('the request was not refused');
};

before(async () => {
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'signet-images-'));
  const factory = new ImageFactory(registry.url);
  for (const name of ['team/api', 'team/web']) await factory.image(name, 'v1', { os: 'linux', architecture: 'amd64' }, name);
  await run(join(tools, 'oras'), ['cp', '--from-plain-http', `${new URL(registry.url).host}/team/api:v1`, '--to-oci-layout', `${join(work, 'layout')}:v1`]);
  app = await createTestApp({ probes: quietProbes, keychain: new MemoryKeychain() });
  api = createClient((channel, input) => app.dispatch(channel, input, { host: 'web' }));
  await app.settings.update({ registries: [{ name: 'local', url: registry.url, insecure: false }] });
});
after(async () => {
  await app?.cleanup();
  await registry?.stop();
});

test('the inspector lists a registry and its tags, reports progress, and remembers what was inspected', async () => {
  assert.deepEqual(await api.images.repositories({ kind: 'registry', name: 'local' }), { repositories: ['team/api', 'team/web'], note: null });
  const host = new URL(registry.url).host;
  assert.deepEqual(await api.images.tags({ kind: 'registry', name: 'local', repository: 'team/web' }), { tags: ['v1'], references: { v1: `${host}/team/web:v1` } });
  const progress: InspectProgress[] = [];
  const stop = app.events.subscribe((event, payload) => {
    if (event === 'images.progress') progress.push(payload as InspectProgress);
  });
  const report = await api.images.inspect({ reference: `${host}/team/web:v1` });
  stop();
  assert.equal(report.verdict, 'unsigned');
  assert.ok(progress.length >= 2 && progress[0]!.reference === `${host}/team/web:v1`, JSON.stringify(progress));
  await api.images.inspect({ reference: `${host}/team/api:v1` });
  assert.deepEqual(await api.images.recent({}), [`${host}/team/api:v1`, `${host}/team/web:v1`]);
});

test('a layout is inspected only once it is configured, and an unknown store or junk input is refused in words', async () => {
  const path = join(work, 'layout');
  const refused = await refusal(api.images.inspect({ reference: `oci:${path}:v1` }));
  assert.ok(refused.code === 'Forbidden' && /not a configured image layout/.test(refused.message), refused.message);
  assert.equal((await refusal(api.images.inspect({ reference: `oci:${path}/../../etc:v1` }))).code, 'Forbidden');
  await app.settings.update({ layouts: [{ name: 'offline', path }] });
  assert.deepEqual(await api.images.tags({ kind: 'layout', name: 'offline', repository: '(layout)' }), { tags: ['v1'], references: { v1: `oci:${path}:v1` } });
  assert.equal((await api.images.inspect({ reference: `oci:${path}:v1` })).verdict, 'unsigned');
  assert.equal((await refusal(api.images.tags({ kind: 'registry', name: 'nowhere', repository: 'x' }))).code, 'NotFound');
  assert.equal((await refusal(api.images.inspect({ reference: 'a\u0000b' }))).code, 'BadInput');
});
