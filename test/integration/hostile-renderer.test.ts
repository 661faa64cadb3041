import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { createServer, type Server } from 'node:http';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../../shared/model/settings.model.ts';
import { credentialsMayTravel } from '../../main/registry/registry.client.ts';
import { probeTools } from '../../main/platform/tools.probe.ts';
import { startWebHost, type WebHost } from '../../main/web/web.host.ts';
import { PageConfirmation } from '../../main/web/page-confirmation.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { connectToHost } from '../support/host-client.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import type { IntentView } from '../../shared/model/intent.model.ts';

/** A name that does not look like loopback; the test resolves it to 127.0.0.1 so the fake registry can answer. */
const PLAIN_HOST = 'registry.plain-http.test';
let work: string;
let app: TestApp;
let host: WebHost;
let page: Awaited<ReturnType<typeof connectToHost>>;
let registry: Server;
let registryHost: string;
const keychain = new MemoryKeychain();
/** Stands in for main's own dialog or terminal: the page can neither see nor answer it. */
const hostConfirmations = new ScriptedConfirmation();
const authorizations: string[] = [];
const originalLookup = dns.lookup;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'signet-hostile-page-'));
  (dns as { lookup: unknown }).lookup = (name: string, options: unknown, callback?: unknown) => {
    const done = (typeof options === 'function' ? options : callback) as (error: Error | null, address: unknown, family?: number) => void;
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
    if (name !== PLAIN_HOST) return (originalLookup as (...args: unknown[]) => void)(name, options, callback);
    if (all) done(null, [{ address: '127.0.0.1', family: 4 }]);
    else done(null, '127.0.0.1', 4);
  };
  registry = createServer((request, response) => {
    if (request.headers.authorization) authorizations.push(request.headers.authorization);
    if (!request.headers.authorization) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="plain"', 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'app', tags: ['v1'] }));
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryHost = `${PLAIN_HOST}:${(registry.address() as AddressInfo).port}`;
  await keychain.set(`registry:${registryHost}`, JSON.stringify({ username: 'officer', password: 'hunter2-secret' }));
  app = await createTestApp({
    probes: { ...quietProbes, tools: (dirs) => probeTools(dirs, '') },
    keychain,
    confirmations: new PageConfirmation(),
    hostConfirmations,
  });
  const staticDir = join(work, 'static');
  await mkdir(staticDir);
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  host = await startWebHost({ app, staticDir });
  page = await connectToHost(host.url);
});

after(async () => {
  page?.close();
  await host?.close();
  await app?.cleanup();
  registry?.closeAllConnections();
  await new Promise((resolve) => registry?.close(resolve));
  (dns as { lookup: unknown }).lookup = originalLookup;
  await rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

// A folder of "tools" that, if main ever ran one, would leave a marker behind.
async function trapFolder(name: string, mode = 0o755): Promise<{ dir: string; marker: string }> {
  const dir = join(work, name);
  const marker = join(work, `${name}.ran`);
  await mkdir(dir, { mode });
  for (const tool of ['cosign', 'skopeo', 'oras']) await writeFile(join(dir, tool), `#!/bin/sh\ntouch '${marker}'\necho 'GitVersion: v9.9.9'\n`, { mode: 0o755 });
  return { dir, marker };
}

// The page is refused in data: the error that crosses the socket carries the code and the words.
async function pageRefused(promise: Promise<unknown>, code: string | string[], pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error & { error?: { code: string; message: string } }) => {
    const got = error.error?.code ?? '';
    assert.ok(Array.isArray(code) ? code.includes(got) : got === code, `${got}: ${error.message}`);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

async function ran(marker: string): Promise<boolean> {
  return stat(marker).then(
    () => true,
    () => false,
  );
}

test('the decision: plain HTTP carries stored credentials only to loopback or a confirmed host, never because of "insecure" alone', () => {
  assert.equal(credentialsMayTravel(new URL('http://registry.example.com:5000'), []), false);
  assert.equal(credentialsMayTravel(new URL('http://10.0.0.7:5000'), []), false);
  assert.equal(credentialsMayTravel(new URL('http://registry.example.com:5000'), ['registry.example.com']), false, 'the port is part of the host confirmed');
  assert.equal(credentialsMayTravel(new URL('http://registry.example.com:5000'), ['registry.example.com:5000']), true);
  assert.equal(credentialsMayTravel(new URL('http://127.0.0.1:5000'), []), true);
  assert.equal(credentialsMayTravel(new URL('http://[::1]:5000'), []), true);
  assert.equal(credentialsMayTravel(new URL('https://registry.example.com'), []), true);
});

test('a hostile page cannot make main run a script: tool folders change only through main\'s own confirmation, and only to safe folders', async () => {
  const trap = await trapFolder('page-tools');
  await pageRefused(page.api.settings.update({ toolDirs: [trap.dir] }), 'Forbidden', /tool folders .* change only after a confirmation Signet asks for itself/);
  await page.api.system.status({ refresh: true });
  assert.equal(await ran(trap.marker), false, 'nothing from the page\'s folder ran');
  assert.deepEqual((await page.api.settings.get({})).toolDirs, []);

  // A folder anyone can write is refused before anyone is asked.
  const open = await trapFolder('open-tools', 0o755);
  const { chmod } = await import('node:fs/promises');
  await chmod(open.dir, 0o777);
  await pageRefused(page.api.settings.prepareProtected({ toolDirs: [open.dir] }), 'Forbidden', /can be written by anyone/);
  await pageRefused(page.api.settings.prepareProtected({ toolDirs: ['relative/tools'] }), 'BadInput');
  assert.equal(hostConfirmations.shown.length, 0);

  // A settings file that names such a folder anyway (written by hand, or made unsafe since) is checked again before anything in it runs.
  await app.settings.update({ toolDirs: [open.dir] });
  const status = await page.api.system.status({ refresh: true });
  assert.equal(await ran(open.marker), false, 'nothing ran from the folder anyone can write');
  assert.ok(status.notices.some((n) => n.message.includes(`The tool folder ${open.dir} is not used`) && /can be written by anyone/.test(n.message)), JSON.stringify(status.notices));
  await app.settings.update({ toolDirs: [] });

  // The page's own "yes" is not enough: main asks through its own channel, and a no changes nothing.
  hostConfirmations.answer = false;
  const declined = (await page.api.settings.prepareProtected({ toolDirs: [trap.dir] })) as IntentView;
  assert.ok(declined.facts.some((f) => f.value === trap.dir && /Signet runs the tools in it/.test(f.label)), JSON.stringify(declined.facts));
  await pageRefused(page.api.settings.confirmProtected({ intentId: declined.intentId }), 'Cancelled');
  assert.equal(hostConfirmations.shown.at(-1)?.facts.some((f) => f.value === trap.dir), true, 'main showed the folder in its own confirmation');
  assert.match(hostConfirmations.shown.at(-1)?.message ?? '', /Confirm only if you asked for it yourself/);
  await page.api.system.status({ refresh: true });
  assert.equal(await ran(trap.marker), false);
  assert.deepEqual((await page.api.settings.get({})).toolDirs, []);

  // A confirmed intent is spent once; the person at the machine said yes to exactly this folder.
  hostConfirmations.answer = true;
  const approved = (await page.api.settings.prepareProtected({ toolDirs: [trap.dir] })) as IntentView;
  const saved = (await page.api.settings.confirmProtected({ intentId: approved.intentId })) as Settings;
  assert.deepEqual(saved.toolDirs, [trap.dir]);
  await pageRefused(page.api.settings.confirmProtected({ intentId: approved.intentId }), ['Conflict', 'Unauthorized']);
  await page.api.system.status({ refresh: true });
  assert.equal(await ran(trap.marker), true, 'the folder confirmed at the machine is used');
  // Later probes must not keep running the trap's tools while the test folder is removed.
  await app.settings.update({ toolDirs: [] });
});

test('a hostile page cannot make main load a library: PKCS#11 module paths are refused the same way', async () => {
  const fake = join(work, 'evil-module.so');
  await writeFile(fake, '#!/bin/sh\n', { mode: 0o644 });
  await pageRefused(page.api.settings.update({ pkcs11Modules: [{ path: fake }] }), 'Forbidden', /PKCS#11 module paths .* change only after a confirmation/);
  await pageRefused(page.api.settings.prepareProtected({ pkcs11Modules: [{ path: fake }] }), 'Forbidden', /is not a shared library/);
  await pageRefused(page.api.settings.prepareProtected({ pkcs11Modules: [{ path: '/etc/hostname' }] }), 'Forbidden', /is not a shared library/);
  assert.deepEqual((await page.api.settings.get({})).pkcs11Modules, []);
  // Nor can the page name a module in a key request: a real library copied somewhere is refused before it is loaded.
  const copied = join(work, 'copied-softhsm.so');
  await copyFile('/usr/lib/softhsm/libsofthsm2.so', copied);
  await pageRefused(page.api.keys.discover({ modulePath: copied, tokenLabel: 'any' }), 'Forbidden', /not a PKCS#11 module this machine knows/);
  await pageRefused(page.api.keys.generate({ backend: { kind: 'pkcs11', modulePath: copied, tokenLabel: 'any' }, label: 'planted' }), 'Forbidden', /not a PKCS#11 module this machine knows/);
  await pageRefused(page.api.recovery.createBackupKey({ modulePath: fake, tokenLabel: 'any' }), 'Forbidden', /not a PKCS#11 module this machine knows/);
  assert.deepEqual(await page.api.keys.list({}), []);
  // Lists sent back unchanged, and other settings, still save from the page.
  const settings = (await page.api.settings.get({})) as Settings;
  const echoed = (await page.api.settings.update({ toolDirs: settings.toolDirs, pkcs11Modules: [], layouts: [] })) as Settings;
  assert.deepEqual(echoed.toolDirs, settings.toolDirs);
});

test('an "insecure" registry the page adds gets no stored credentials over plain HTTP until main\'s own confirmation says they travel in clear', async () => {
  await page.api.settings.update({ registries: [{ name: 'plain', url: `http://${registryHost}`, insecure: true }] });
  await pageRefused(page.api.images.tags({ kind: 'registry', name: 'plain', repository: 'app' }), 'Forbidden', /asks for credentials over plain HTTP.*nothing was sent/);
  assert.deepEqual(authorizations, [], 'no credential reached the plain-HTTP registry');

  await pageRefused(page.api.settings.update({ cleartextCredentialHosts: [registryHost] }), 'Forbidden', /hosts that receive credentials over plain HTTP/);
  await pageRefused(page.api.settings.prepareProtected({ cleartextCredentialHosts: ['127.0.0.1:5000'] }), 'BadInput', /loopback/);

  hostConfirmations.answer = false;
  const declined = (await page.api.settings.prepareProtected({ cleartextCredentialHosts: [registryHost] })) as IntentView;
  await pageRefused(page.api.settings.confirmProtected({ intentId: declined.intentId }), 'Cancelled');
  const warning = hostConfirmations.shown.at(-1)?.facts.find((f) => f.label === 'Send credentials in clear')?.value ?? '';
  assert.match(warning, new RegExp(`Stored credentials for ${registryHost.replace(/\./g, '\\.')} will travel in clear over plain HTTP`));
  await pageRefused(page.api.images.tags({ kind: 'registry', name: 'plain', repository: 'app' }), 'Forbidden');
  assert.deepEqual(authorizations, []);

  hostConfirmations.answer = true;
  const approved = (await page.api.settings.prepareProtected({ cleartextCredentialHosts: [registryHost] })) as IntentView;
  await page.api.settings.confirmProtected({ intentId: approved.intentId });
  const tags = (await page.api.images.tags({ kind: 'registry', name: 'plain', repository: 'app' })) as { tags: string[] };
  assert.deepEqual(tags.tags, ['v1']);
  assert.deepEqual(authorizations, [`Basic ${Buffer.from('officer:hunter2-secret').toString('base64')}`]);
});
