import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CachingSource } from '../../main/images/caching.source.ts';
import { Discovery } from '../../main/images/discovery.ts';
import { RegistrySource } from '../../main/images/registry.source.ts';
import { RegistryClient } from '../../main/registry/registry.client.ts';
import { run } from '../support/processes.ts';
import { startRegistry } from '../support/registry.fixture.ts';

const oras = fileURLToPath(new URL('../../.tools/bin/oras', import.meta.url));

test('content addressed by digest is served from the disk cache, re-checked, and a damaged cache entry is fetched again', async () => {
  const registry = await startRegistry();
  try {
    const dir = await mkdtemp(join(tmpdir(), 'signet-cache-'));
    await writeFile(join(dir, 'a.txt'), 'cached content');
    const host = new URL(registry.url).host;
    await run(oras, ['push', '--plain-http', `${host}/c/app:v1`, 'a.txt:text/plain'], { cwd: dir });
    const cacheDir = join(dir, 'cache');
    const first = new CachingSource(new RegistrySource(new RegistryClient({ baseUrl: registry.url })), cacheDir);
    const graph = await new Discovery(first).discover('c/app', 'v1');
    const layer = (JSON.parse((await first.getManifest('c/app', graph.root.digest)).bytes.toString()) as { layers: { digest: string }[] }).layers[0]!.digest;
    await first.getBlob('c/app', layer);
    const files = await readdir(join(cacheDir, 'sha256'));
    assert.ok(files.includes(graph.root.digest.slice(7)) && files.includes(layer.slice(7)), files.join(' '));

    await writeFile(join(cacheDir, 'sha256', layer.slice(7)), 'damaged');
    const fresh = new CachingSource(new RegistrySource(new RegistryClient({ baseUrl: registry.url })), cacheDir);
    assert.equal((await fresh.getBlob('c/app', layer)).toString(), 'cached content', 'the damaged entry was refetched');

    await registry.stop();
    const offline = new CachingSource(new RegistrySource(new RegistryClient({ baseUrl: registry.url, retries: 0 })), cacheDir);
    assert.equal((await offline.getBlob('c/app', layer)).toString(), 'cached content', 'served with the registry gone');
    assert.equal((await offline.getManifest('c/app', graph.root.digest)).digest, graph.root.digest);
    await assert.rejects(offline.getManifest('c/app', 'v1'), /Nothing is listening/, 'tags still go to the registry');
  } finally {
    await registry.stop();
  }
});
