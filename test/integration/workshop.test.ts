import { test, before, after } from 'node:test';
import { readDataItem } from '../../main/storage/data-items.ts';
import { LEGACY_FILES, STORE_FILE } from '../../main/storage/data.store.ts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, constants, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { SignIntentView, SignPlan, SignResult } from '../../shared/model/signing.model.ts';
import { LessonSchema, type Happened, type Lesson, type SandboxView, type StepResult } from '../../shared/model/workshop.model.ts';
import { Pkcs11jsDriver } from '../../main/platform/pkcs11.adapter.ts';
import { WORKSHOP_TOKEN_LABEL, WORKSHOP_TOKEN_PIN } from '../../main/workshop/sandbox.token.ts';
import { createTestApp, quietProbes, type TestApp } from '../support/app.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { ImageFactory } from '../support/image-factory.ts';
import { startKeychain, type Keychain } from '../support/keychain.fixture.ts';
import { startRegistry, type Registry } from '../support/registry.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../support/softhsm.fixture.ts';
import { callChannel, refused } from '../support/dispatch.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CONFIRMED = new Set(['sign', 'rotate', 'revoke']);

async function onPath(name: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      await access(join(dir, name), constants.X_OK);
      return true;
    } catch {
      continue;
    }
  }
  return false;
}

const requirements: [string, Promise<boolean>][] = [
  ['docker-registry', onPath('docker-registry')],
  ['softhsm2-util', onPath('softhsm2-util')],
  ['gnome-keyring-daemon', onPath('gnome-keyring-daemon')],
  ['secret-tool', onPath('secret-tool')],
  ['dbus-daemon', onPath('dbus-daemon')],
  [SOFTHSM_MODULE, access(SOFTHSM_MODULE, constants.R_OK).then(() => true, () => false)],
];
const skip = (await Promise.all(requirements.map(async ([name, check]) => ((await check) ? null : name)))).filter((name): name is string => name !== null);
if (skip.length > 0) console.log(`# workshop tests skipped: ${skip.join(', ')} not installed`);
const skipReason = skip.length > 0 ? `needs ${skip.join(', ')}` : false;

const shipped: Lesson[] = await Promise.all(
  (await readdir(join(root, 'build', 'lessons'))).filter((f) => f.endsWith('.json')).sort().map(async (f) => LessonSchema.parse(JSON.parse(await readFile(join(root, 'build', 'lessons', f), 'utf8')))),
);

let keychain: Keychain;
let hsm: SoftHsm;
let registry: Registry;
let app: TestApp;
let sandboxes: string;
const confirmations = new ScriptedConfirmation();

before(async () => {
  if (skipReason) return;
  keychain = await startKeychain();
  hsm = await startSoftHsm('signet-real');
  registry = await startRegistry();
  sandboxes = await mkdtemp(join(tmpdir(), 'signet-workshop-parent-'));
  app = await createTestApp({ probes: quietProbes, confirmations, env: { SIGNET_WORKSHOP_DIR: sandboxes } });
});

after(async () => {
  await app?.cleanup();
  await registry?.stop();
  await hsm?.cleanup();
  await keychain?.stop();
  if (sandboxes) await rm(sandboxes, { recursive: true, force: true });
});

// Every Signet entry in the keychain: account, secret and when it last changed. secret-tool prints the item
// fields on stdout and their attributes on stderr, so only stdout is read and the account comes from the label.
async function keychainEntries(): Promise<string[]> {
  const out = await new Promise<string>((resolve) => {
    execFile('secret-tool', ['search', '--all', '--unlock', 'service', 'dev.signet.app'], { env: keychain.env }, (_error, stdout) => resolve(stdout));
  });
  const records: Record<string, string>[] = [];
  for (const line of out.split('\n')) {
    const match = /^([a-z]+) = (.*)$/.exec(line);
    if (!match) continue;
    if (match[1] === 'label') records.push({});
    const record = records.at(-1);
    if (record) record[match[1]!] = match[2]!;
  }
  return records.map((r) => `${(r.label ?? '').replace(/^keyring:/, '').replace(/@dev\.signet\.app$/, '')}\t${r.secret ?? ''}\t${r.modified ?? ''}`).sort();
}

async function hashTree(dir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      const full = join(folder, entry.name);
      if (entry.name.startsWith(STORE_FILE) && folder === dir) continue;
      if (entry.isDirectory()) await walk(full);
      else hashes[relative(dir, full)] = createHash('sha256').update(await readFile(full)).digest('hex');
    }
  };
  await walk(dir);
  // The store by what it holds, each part under its old file name; its own files change with every read lock.
  for (const name of Object.values(LEGACY_FILES)) {
    const bytes = await readDataItem(dir, name);
    if (bytes !== null) hashes[name] = createHash('sha256').update(bytes).digest('hex');
  }
  return hashes;
}

async function registryState(url: string): Promise<Record<string, string[]>> {
  const { repositories } = (await (await fetch(`${url}/v2/_catalog`)).json()) as { repositories: string[] };
  const state: Record<string, string[]> = {};
  for (const repository of repositories) state[repository] = (((await (await fetch(`${url}/v2/${repository}/tags/list`)).json()) as { tags: string[] | null }).tags ?? []).sort();
  return state;
}

async function workshopTokenKeys(): Promise<number> {
  const token = await new Pkcs11jsDriver().openToken({ modulePath: SOFTHSM_MODULE, tokenLabel: WORKSHOP_TOKEN_LABEL }, WORKSHOP_TOKEN_PIN, 1);
  try {
    return (await token.listKeys()).length;
  } finally {
    await token.close();
  }
}

// Runs one lesson from start to end through the dispatcher and checks every step showed what the lesson expects.
async function runLesson(target: TestApp, lesson: Lesson, store: { keyStore: 'softhsm' | 'software'; imageStore: 'registry' | 'layout' }): Promise<{ results: StepResult[]; view: SandboxView }> {
  const view = await callChannel<SandboxView>(target, 'workshop.start', { lessonId: lesson.id });
  assert.equal(view.active, true);
  assert.equal(view.lessonId, lesson.id);
  assert.equal(view.step, 0);
  assert.equal(view.keyStore, store.keyStore, view.notes.join('\n'));
  assert.equal(view.imageStore, store.imageStore, view.notes.join('\n'));
  assert.deepEqual(Object.keys(view.images).sort(), ['multi', 'other', 'web']);
  assert.deepEqual(await callChannel<Happened>(target, 'workshop.happened'), { registryWrites: [], auditEntries: [] });
  const results: StepResult[] = [];
  let refusedOnce = false;
  for (const [index, step] of lesson.steps.entries()) {
    const intent = await callChannel<{ intentId: string; facts: { label: string; value: string }[] } | null>(target, 'workshop.prepare', { lessonId: lesson.id, stepId: step.id });
    if (CONFIRMED.has(step.action.kind)) {
      assert.ok(intent, `${lesson.id}/${step.id} is confirmed first`);
      assert.ok(intent.facts.length > 0);
      if (!refusedOnce) {
        await refused(callChannel(target, 'workshop.run', { lessonId: lesson.id, stepId: step.id }), 'Unauthorized', /confirm the step first/);
        refusedOnce = true;
      }
    } else {
      assert.equal(intent, null, `${lesson.id}/${step.id} needs no confirmation`);
    }
    const result = await callChannel<StepResult>(target, 'workshop.run', { lessonId: lesson.id, stepId: step.id, ...(intent ? { intentId: intent.intentId } : {}) });
    assert.equal(result.asExpected, true, `${lesson.id}/${step.id}: ${result.outcome}\n${result.facts.map((f) => `${f.label}: ${f.value}`).join('\n')}`);
    assert.equal(result.step, index + 1);
    if (step.expect.verdict) assert.equal(result.chain?.verdict, step.expect.verdict, `${lesson.id}/${step.id}`);
    if (step.expect.policy) assert.equal(result.facts.find((f) => f.label === 'Policy verdict')?.value, step.expect.policy);
    if (step.action.kind === 'sign') {
      assert.ok(result.happened.registryWrites.some((w) => /\.sig/.test(w.what)), `${lesson.id}/${step.id} wrote a signature: ${JSON.stringify(result.happened.registryWrites)}`);
      assert.ok(result.happened.auditEntries.some((e) => e.action === 'image.sign'));
    }
    if (step.action.kind === 'generate-key') {
      assert.equal(result.facts.find((f) => f.label === 'Held in')?.value.startsWith('pkcs11:'), store.keyStore === 'softhsm');
    }
    results.push(result);
  }
  const status = await callChannel<SandboxView>(target, 'workshop.status');
  assert.equal(status.step, lesson.steps.length);
  const happened = await callChannel<Happened>(target, 'workshop.happened');
  assert.deepEqual(happened, results.at(-1)!.happened);
  return { results, view };
}

test('when SoftHSM was already open in Signet before the workshop token existed, the sandbox uses software keys and says why', { skip: skipReason }, async () => {
  const early = await createTestApp({ probes: quietProbes, confirmations, env: { SIGNET_WORKSHOP_DIR: sandboxes, SIGNET_WORKSHOP_IMAGES: 'layout' } });
  try {
    await early.pins.remember({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, hsm.userPin);
    await callChannel(early, 'keys.generate', { backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, label: 'opened first' });
    const view = await callChannel<SandboxView>(early, 'workshop.start', { lessonId: shipped[0]!.id });
    assert.equal(view.keyStore, 'software');
    assert.ok(view.notes.some((n) => /restart Signet/.test(n)), view.notes.join('\n'));
    const made = await callChannel<StepResult>(early, 'workshop.run', { lessonId: shipped[0]!.id, stepId: shipped[0]!.steps[0]!.id });
    assert.match(made.facts.find((f) => f.label === 'Held in')!.value, /^software/);
    await callChannel(early, 'workshop.leave');
    assert.deepEqual(await readdir(sandboxes), []);
  } finally {
    // Closing releases SoftHSM, so the next sandbox in this process finds the token made above.
    await early.cleanup();
  }
});

test('the shipped lessons are listed with a trainer lesson from the data folder, and a broken file is reported in the notes', { skip: skipReason }, async () => {
  const lessons = await callChannel<Lesson[]>(app, 'workshop.lessons');
  for (const lesson of shipped) assert.ok(lessons.some((l) => l.id === lesson.id), `${lesson.id} is offered`);
  assert.ok(shipped.length >= 7);
  const own = join(app.dataDir, 'lessons');
  await mkdir(own, { recursive: true });
  const trainer: Lesson = { id: 'trainer-demo', title: 'A trainer lesson', summary: 'Made by a trainer.', steps: [{ id: 'look', title: 'Look at web', explanation: 'It is unsigned.', action: { kind: 'verify', image: 'web' }, expect: { verdict: 'unsigned' } }] };
  await writeFile(join(own, 'trainer.json'), JSON.stringify(trainer));
  await writeFile(join(own, 'broken.json'), '{ "id": "broken", ');
  await writeFile(join(own, 'wrong.json'), JSON.stringify({ id: 'wrong', title: 'Wrong', summary: 'x', steps: [{ id: 's', title: 't', explanation: 'e', action: { kind: 'launch-rockets' } }] }));
  const listed = await callChannel<Lesson[]>(app, 'workshop.lessons');
  assert.deepEqual(listed.find((l) => l.id === 'trainer-demo'), trainer);
  assert.ok(!listed.some((l) => l.id === 'broken' || l.id === 'wrong'));
  const status = await callChannel<SandboxView>(app, 'workshop.status');
  assert.equal(status.active, false);
  assert.ok(status.notes.some((n) => n.includes('broken.json') && /not JSON/.test(n)), status.notes.join('\n'));
  assert.ok(status.notes.some((n) => n.includes('wrong.json') && /action/.test(n)), status.notes.join('\n'));

  // A trainer's lesson runs like a shipped one.
  const { results } = await runLesson(app, trainer, { keyStore: 'softhsm', imageStore: 'registry' });
  assert.equal(results[0]!.chain?.verdict, 'unsigned');
  await callChannel(app, 'workshop.leave');
  await rm(own, { recursive: true, force: true });
});

test("every shipped lesson runs in the sandbox (SoftHSM token, loopback registry), reset starts over, and the user's keys, registry, settings, audit log and keychain are byte-for-byte as before", { skip: skipReason }, async () => {
  // The user's own Signet: a software key, a registry, a signed image, a filled audit log.
  await callChannel(app, 'settings.update', { registries: [{ name: 'company', url: registry.url, insecure: false }] });
  const key = await callChannel<KeyRecord>(app, 'keys.generate', { backend: { kind: 'software' }, label: 'my release key' });
  const host = new URL(registry.url).host;
  await new ImageFactory(registry.url).image('team/app', 'v1', { os: 'linux', architecture: 'amd64' }, 'the real app');
  const plan = await callChannel<SignPlan>(app, 'signing.plan', { reference: `${host}/team/app:v1` });
  const intent = await callChannel<SignIntentView>(app, 'signing.prepare', { reference: `${host}/team/app:v1`, digest: plan.digest, manifests: [plan.digest], keyId: key.id });
  assert.equal((await callChannel<SignResult>(app, 'signing.confirm', { intentId: intent.intentId })).signed[0]?.verdict, 'verified');
  await new Promise((resolve) => setTimeout(resolve, 1200)); // let the signature count reach the inventory file

  const files = await hashTree(app.dataDir);
  const secrets = await keychainEntries();
  const registryBefore = await registryState(registry.url);
  const inventory = await callChannel<KeyRecord[]>(app, 'keys.list');
  const audit = await app.audit.list({ limit: 5000 });
  assert.ok(Object.keys(files).some((f) => f.includes('audit')), 'the real audit log exists');
  assert.ok(secrets.some((s) => s.startsWith('software-keys-data-key\t')), 'the real data key is in the keychain');
  assert.ok(!secrets.some((s) => s.startsWith('workshop/')));

  let sandboxRegistry = '';
  for (const lesson of shipped) {
    const { view } = await runLesson(app, lesson, { keyStore: 'softhsm', imageStore: 'registry' });
    sandboxRegistry = `http://${view.images.web!.split('/')[0]}`;
    // The sandbox's secrets live in the workshop namespace, next to (never instead of) the user's.
    const during = await keychainEntries();
    assert.ok(during.some((s) => s.startsWith(`workshop/pin:${SOFTHSM_MODULE}:${WORKSHOP_TOKEN_LABEL}\t`)), during.join('\n'));
    assert.deepEqual(during.filter((s) => !s.startsWith('workshop/')), secrets);
  }

  // Reset: back to the start of the lesson, with no keys on the token and unsigned samples.
  const lesson = shipped[0]!;
  await runLesson(app, lesson, { keyStore: 'softhsm', imageStore: 'registry' });
  assert.ok((await workshopTokenKeys()) > 0);
  const reset = await callChannel<SandboxView>(app, 'workshop.reset');
  assert.equal(reset.lessonId, lesson.id);
  assert.equal(reset.step, 0);
  assert.equal(await workshopTokenKeys(), 0, 'the sandbox keys are gone');
  assert.deepEqual(await callChannel<Happened>(app, 'workshop.happened'), { registryWrites: [], auditEntries: [] });
  const sandboxUrl = `http://${reset.images.web!.split('/')[0]}`;
  for (const repository of ['workshop/web', 'workshop/multi', 'workshop/other']) {
    assert.deepEqual(((await (await fetch(`${sandboxUrl}/v2/${repository}/tags/list`)).json()) as { tags: string[] }).tags, ['v1'], `${repository} is unsigned again`);
  }
  // Steps run in order, and the lesson's key can be made again.
  await refused(callChannel(app, 'workshop.run', { lessonId: lesson.id, stepId: lesson.steps[1]!.id }), 'Conflict', /first/);
  await refused(callChannel(app, 'workshop.prepare', { lessonId: 'tampering', stepId: 'make-key' }), 'Conflict');
  const made = await callChannel<StepResult>(app, 'workshop.run', { lessonId: lesson.id, stepId: lesson.steps[0]!.id });
  assert.equal(made.asExpected, true, made.outcome);

  const left = await callChannel<SandboxView>(app, 'workshop.leave');
  assert.equal(left.active, false);
  assert.deepEqual(left.notes.filter((n) => /did not finish/.test(n)), []);
  await assert.rejects(fetch(`${sandboxUrl}/v2/`), 'the sandbox registry is stopped');
  await assert.rejects(fetch(`${sandboxRegistry}/v2/`));
  assert.deepEqual(await readdir(sandboxes), [], 'the sandbox folders are gone');
  assert.equal(await workshopTokenKeys(), 0, 'the workshop token is empty');

  // Nothing of the user's changed, and the workshop never wrote to the user's audit log.
  assert.deepEqual(await hashTree(app.dataDir), files);
  assert.deepEqual(await keychainEntries(), secrets);
  assert.deepEqual(await registryState(registry.url), registryBefore);
  assert.deepEqual(await callChannel<KeyRecord[]>(app, 'keys.list'), inventory);
  assert.deepEqual(await app.audit.list({ limit: 5000 }), audit);
  assert.equal((await app.audit.verify()).ok, true);
});

test('a sandbox opened while the user works on their own SoftHSM token leaves that token and its keys alone', { skip: skipReason }, async () => {
  await app.pins.remember({ modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, hsm.userPin);
  const hsmKey = await callChannel<KeyRecord>(app, 'keys.generate', { backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }, label: 'my hsm key' });
  const onToken = await callChannel<unknown[]>(app, 'keys.discover', { modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label });
  const files = await hashTree(app.dataDir);
  const secrets = await keychainEntries();

  // The workshop token exists from the earlier test, so this process's SoftHSM lists it.
  await runLesson(app, shipped.find((l) => l.id === 'revoke-a-key')!, { keyStore: 'softhsm', imageStore: 'registry' });
  await callChannel(app, 'workshop.leave');

  assert.deepEqual(await callChannel<unknown[]>(app, 'keys.discover', { modulePath: SOFTHSM_MODULE, tokenLabel: hsm.label }), onToken);
  const signed = await app.keys.sign(hsmKey.id, { payload: Buffer.from('still mine') }, 'cli');
  assert.ok(signed.signature.length > 0);
  // The signature just made is the user's own doing; before it, nothing had changed.
  assert.deepEqual(Object.keys(await hashTree(app.dataDir)).sort(), Object.keys(files).sort());
  assert.deepEqual(await keychainEntries(), secrets);
});

test('without docker-registry and without SoftHSM the sandbox uses OCI layouts and keychain-sealed software keys, and every lesson still runs', { skip: skipReason }, async () => {
  const parent = await mkdtemp(join(tmpdir(), 'signet-workshop-layout-'));
  const offline = await createTestApp({ probes: quietProbes, confirmations, env: { SIGNET_WORKSHOP_DIR: parent, SIGNET_WORKSHOP_IMAGES: 'layout', SIGNET_WORKSHOP_KEYS: 'software' } });
  try {
    const files = await hashTree(offline.dataDir);
    const secrets = await keychainEntries();
    for (const lesson of shipped) {
      const { view, results } = await runLesson(offline, lesson, { keyStore: 'software', imageStore: 'layout' });
      assert.match(view.images.web!, /^oci:/);
      assert.ok(view.notes.some((n) => /layout/.test(n)));
      if (lesson.steps.some((s) => s.action.kind === 'sign')) {
        assert.ok(results.some((r) => r.happened.registryWrites.some((w) => /tag sha256-[0-9a-f]{12}….sig/.test(w.what))), 'layout writes are recorded');
      }
      const during = await keychainEntries();
      assert.ok(during.some((s) => s.startsWith('workshop/software-keys-data-key\t')), 'software keys are sealed under the workshop namespace');
    }
    const reset = await callChannel<SandboxView>(offline, 'workshop.reset');
    assert.equal(reset.step, 0);
    const layout = reset.images.web!.slice(4).replace(/:v1$/, '');
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
    assert.deepEqual(index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']), ['v1'], 'the web layout is unsigned again');
    await callChannel(offline, 'workshop.leave');
    assert.deepEqual(await readdir(parent), []);
    assert.deepEqual(await keychainEntries(), secrets);
    assert.deepEqual(await hashTree(offline.dataDir), files);
  } finally {
    await offline.cleanup();
    await rm(parent, { recursive: true, force: true });
  }
});
