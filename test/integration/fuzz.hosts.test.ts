import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { requestChannels, SOCKET_PATH } from '../../shared/contract.ts';
import { startBrowserHost, type BrowserHost } from '../support/browser.ts';
import { digestOf, OCI_INDEX, OCI_MANIFEST, seededRandom, startHostileRegistry, type HostileRegistry } from '../support/hostile-registry.ts';

/** Set SIGNET_FUZZ_SEED to replay a failure; every message names the seed it ran with. */
const SEED = Number(process.env.SIGNET_FUZZ_SEED ?? 20261207);
const random = seededRandom(SEED);
const root = fileURLToPath(new URL('../../', import.meta.url));
const STACK = /\n\s+at .+\(.*:\d+:\d+\)|\n\s+at (async )?\S+ \(|node:internal/;
// eslint-disable-next-line no-control-regex
const RAW_ESCAPE = /\u001b/;

let registry: HostileRegistry;
let host: BrowserHost;
let home: string;
/** The CLI runs on a data folder of its own, not the one the browser host holds. */
let cliHome: string;
const references: string[] = [];

const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const STRINGS = ['', 'x', '\u0000', '\u001b]0;pwned\u0007', '\u001b[2J\u001b[32m✓ verified', '\u202egpj.exe', '../../../etc/passwd', 'oci:/..@v1', 'sha256:', `sha256:${'0'.repeat(64)}`, '__proto__', 'constructor', '%00', '\ud800', 'a'.repeat(300)];
const KEYS = ['reference', 'id', 'keyId', 'label', 'path', 'modulePath', 'tokenLabel', 'intentId', 'insecure', 'refresh', 'name', 'kind', 'repository', 'digest', 'policyId', 'lesson', '__proto__', 'constructor'];

// A random JSON value of bounded size: the shapes a broken or hostile page might send.
function junk(depth = 0): unknown {
  const choice = Math.floor(random() * (depth > 3 ? 6 : 9));
  switch (choice) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick([0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, -0]);
    case 3:
      return pick(STRINGS);
    case 4:
      return Array.from({ length: Math.floor(random() * 40) }, () => String.fromCharCode(Math.floor(random() * 0x3000))).join('');
    case 5:
      return 'y'.repeat(Math.floor(random() * 200_000));
    case 6:
      return Array.from({ length: Math.floor(random() * 4) }, () => junk(depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 4) }, () => [pick(KEYS), junk(depth + 1)]));
  }
}

// Registry documents of every wrong kind; each becomes a reference the hosts are asked to verify.
function hostileImages(): void {
  const image = (repository: string, tag: string, extra: object = {}) =>
    registry.manifest(repository, { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(repository), size: 1 }, layers: [], ...extra }, { tag });
  const add = (repository: string, tag = 'v1') => references.push(`${registry.host}/${repository}:${tag}`);

  registry.manifest('fuzz/index-string', { schemaVersion: 2, mediaType: OCI_INDEX, manifests: 'not a list' }, { tag: 'v1' });
  add('fuzz/index-string');
  const notJson = image('fuzz/referrers-not-json', 'v1');
  registry.set(`fuzz/referrers-not-json/referrers/${notJson}`, { headers: { 'content-type': OCI_INDEX }, body: '{"manifests": [' });
  add('fuzz/referrers-not-json');
  const wrongType = image('fuzz/referrers-wrong', 'v1');
  registry.set(`fuzz/referrers-wrong/referrers/${wrongType}`, { headers: { 'content-type': OCI_INDEX }, body: '{"manifests": {"0": 1}}' });
  add('fuzz/referrers-wrong');
  registry.set('fuzz/endless/manifests/v1', { headers: { 'content-type': OCI_MANIFEST }, body: 'endless' });
  add('fuzz/endless');
  registry.set('fuzz/oversized/manifests/v1', { headers: { 'content-type': OCI_MANIFEST, 'content-length': String(2 ** 40) }, body: '' });
  add('fuzz/oversized');
  const endlessReferrers = image('fuzz/endless-referrers', 'v1');
  registry.set(`fuzz/endless-referrers/referrers/${endlessReferrers}`, { headers: { 'content-type': OCI_INDEX }, body: 'endless' });
  add('fuzz/endless-referrers');
  const endlessBlob = digestOf('endless signature');
  registry.set(`fuzz/endless-blob/blobs/${endlessBlob}`, { body: 'endless' });
  const signed = image('fuzz/endless-blob', 'v1');
  registry.manifest('fuzz/endless-blob', { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: endlessBlob, size: 10 }] }, { tag: `${signed.replace(':', '-')}.sig` });
  add('fuzz/endless-blob');
  const escaped = image('fuzz/escapes', 'child');
  registry.manifest('fuzz/escapes', { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: escaped, size: 10, platform: { os: 'linux\u001b[2J', architecture: '\u001b]0;pwned\u0007amd64\u202e' } }] }, { tag: 'v1' });
  const dsse = registry.blob('fuzz/escapes', '{}');
  registry.manifest('fuzz/escapes', { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [{ mediaType: 'application/vnd.dsse.envelope.v1+json', digest: dsse, size: 2, annotations: { predicateType: '\u001b[32m✓ verified\u001b[0m\n✓ verified' } }] }, { tag: `${escaped.replace(':', '-')}.att` });
  add('fuzz/escapes');
  const many = image('fuzz/many-referrers', 'v1');
  const listed = Array.from({ length: 256 }, (_, i) => ({ mediaType: OCI_MANIFEST, digest: image('fuzz/many-referrers', `r${i}`, { artifactType: 'application/example' }), size: 10 }));
  registry.set(`fuzz/many-referrers/referrers/${many}`, { headers: { 'content-type': OCI_INDEX }, body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: listed }) });
  add('fuzz/many-referrers');
  registry.set('fuzz/loop/manifests/v1', { status: 307, headers: { location: '/v2/fuzz/loop/manifests/v1' }, body: '' });
  add('fuzz/loop');
  registry.set('fuzz/bad-location/manifests/v1', { status: 302, headers: { location: 'http://[::1' }, body: '' });
  add('fuzz/bad-location');
  registry.set('fuzz/failing/manifests/v1', { status: 503, headers: { 'retry-after': '0' }, body: 'down' });
  add('fuzz/failing');
  // Seeded variants: random bytes, and documents whose known fields hold random values.
  for (let i = 0; i < 6; i++) {
    const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 2000) }, () => Math.floor(random() * 256)));
    registry.manifest('fuzz/random', bytes, { tag: `bytes${i}`, mediaType: pick([OCI_MANIFEST, OCI_INDEX, 'text/html']) });
    add('fuzz/random', `bytes${i}`);
    const document = { schemaVersion: junk(2), mediaType: pick([OCI_MANIFEST, OCI_INDEX, junk(3)]), config: junk(1), layers: junk(1), manifests: junk(1), subject: junk(2), annotations: junk(2) };
    const digest = registry.manifest('fuzz/random', document, { tag: `shape${i}`, mediaType: pick([OCI_MANIFEST, OCI_INDEX]) });
    registry.set(`fuzz/random/referrers/${digest}`, { headers: { 'content-type': OCI_INDEX }, body: JSON.stringify({ manifests: junk(1) }) });
    add('fuzz/random', `shape${i}`);
  }
  registry.set('fuzz/tags/tags/list', { headers: { 'content-type': 'application/json' }, body: '{"tags": "v1"}' });
  registry.set('_catalog', { headers: { 'content-type': 'application/json' }, body: 'endless' });
}

before(async () => {
  registry = await startHostileRegistry();
  hostileImages();
  home = await mkdtemp(join(tmpdir(), 'signet-fuzz-'));
  cliHome = await mkdtemp(join(tmpdir(), 'signet-fuzz-cli-'));
  host = await startBrowserHost({ env: { ...process.env, SIGNET_HOME: home } });
});

after(async () => {
  await host?.stop();
  await registry?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (cliHome) await rm(cliHome, { recursive: true, force: true });
});

interface Socket {
  ws: WebSocket;
  received: string[];
  closed: Promise<number>;
  call(channel: string, input: unknown, timeoutMs?: number): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } } | null>;
  sendRaw(text: string): void;
}

async function open(): Promise<Socket> {
  const address = new URL(host.url);
  const token = new URLSearchParams(address.hash.slice(1)).get('token') ?? '';
  const ws = new WebSocket(`ws://${address.host}${SOCKET_PATH}?token=${encodeURIComponent(token)}`, { origin: address.origin });
  ws.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const received: string[] = [];
  const waiting = new Map<number, (value: never) => void>();
  ws.on('message', (data: Buffer) => {
    const text = data.toString();
    received.push(text);
    const message = JSON.parse(text) as { kind: string; id?: number; result?: never };
    if (message.kind === 'result' && message.id !== undefined) waiting.get(message.id)?.(message.result!);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  let next = 0;
  return {
    ws,
    received,
    closed,
    call: (channel, input, timeoutMs = 10_000) =>
      new Promise((resolve) => {
        const id = ++next;
        const timer = setTimeout(() => resolve(null), timeoutMs);
        waiting.set(id, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
        ws.send(JSON.stringify({ id, channel, input }));
      }),
    sendRaw: (text) => ws.send(text),
  };
}

async function assertHostAnswers(context: string): Promise<void> {
  assert.equal(host.child.exitCode, null, `seed ${SEED}: the browser host exited after ${context}:\n${host.output()}`);
  const socket = await open();
  const answer = await socket.call('images.recent', {});
  assert.equal(answer?.ok, true, `seed ${SEED}: the browser host did not answer after ${context}: ${JSON.stringify(answer)}`);
  socket.ws.close();
}

test('every contract channel refuses malformed and oversized input without a crash or a stack trace', { timeout: 60_000 }, async () => {
  const socket = await open();
  // Every channel at once: a handler that waits (for a confirmation, a token) must not hold up the others, nor the host.
  const sent = requestChannels.flatMap((channel) => [junk(), junk(), junk(), { ...(junk() as object), insecure: junk() }, 'y'.repeat(200_000)].map((input, index) => ({ channel, index, answer: socket.call(channel, input, 15_000) })));
  for (const { channel, index, answer } of sent) {
    const result = await answer;
    if (!result) continue;
    assert.ok(result.ok || typeof result.error?.code === 'string', `seed ${SEED}: ${channel} input ${index}: ${JSON.stringify(result).slice(0, 300)}`);
  }
  for (const text of socket.received) assert.doesNotMatch(text, STACK, `seed ${SEED}: a stack trace reached the page: ${text.slice(0, 500)}`);
  socket.ws.close();
  await assertHostAnswers('junk input on every channel');

  // Frames that break the envelope close only their own socket, each with its code.
  const frames: [string, number][] = [
    ['{"id": "x", "channel": 5', 1008],
    [JSON.stringify({ id: -1, channel: 'system.status', input: {} }), 1008],
    [JSON.stringify({ id: 1, channel: 'c'.repeat(129), input: {} }), 1008],
    [JSON.stringify({ id: 1, channel: pick(requestChannels), input: 'z'.repeat(1.5 * 1024 * 1024) }), 1009],
    ['['.repeat(200_000), 1008],
  ];
  for (const [frame, code] of frames) {
    const single = await open();
    single.sendRaw(frame);
    assert.equal(await single.closed, code, `seed ${SEED}: ${frame.slice(0, 60)}`);
  }
  await assertHostAnswers('broken frames');
});

test('verify and inspect of hostile registry documents end in a clear verdict or error, through the host and the CLI', { timeout: 60_000 }, async () => {
  const socket = await open();
  const inspected = await Promise.all(references.map(async (reference) => [reference, await socket.call('images.inspect', { reference }, 40_000)] as const));
  for (const [reference, answer] of inspected) {
    assert.ok(answer, `seed ${SEED}: no answer for ${reference}`);
    if (answer.ok) assert.notEqual((answer.value as { verdict: string }).verdict, 'verified', reference);
    else assert.notEqual(answer.error?.code, 'Internal', `seed ${SEED}: ${reference}: ${JSON.stringify(answer.error)}`);
  }
  const many = inspected.find(([reference]) => reference.includes('many-referrers'))?.[1];
  assert.match((many?.value as { reason: string } | undefined)?.reason ?? '', /too large to verify: referrers of one manifest, 64/);
  await socket.call('settings.update', { registries: [{ name: 'hostile', url: registry.url }] });
  for (const [channel, input] of [
    ['images.tags', { kind: 'registry', name: 'hostile', repository: 'fuzz/tags' }],
    ['images.repositories', { kind: 'registry', name: 'hostile' }],
  ] as const) {
    const answer = await socket.call(channel, input, 30_000);
    assert.ok(answer && !answer.ok && answer.error?.code !== 'Internal', `seed ${SEED}: ${channel}: ${JSON.stringify(answer)}`);
  }
  for (const text of socket.received) assert.doesNotMatch(text, STACK, `seed ${SEED}: ${text.slice(0, 500)}`);
  socket.ws.close();
  await assertHostAnswers('verifying hostile references');

  const cli = references.filter((r) => /index-string|referrers-not-json|endless\/|endless-blob|escapes|many-referrers|loop|random:shape0|random:bytes0/.test(r));
  for (const [index, reference] of cli.entries()) {
    const command = index % 2 === 0 ? 'verify' : 'tree';
    const { code, stdout, stderr } = await signet([command, reference, '--no-public-good']);
    const output = `${stdout}${stderr}`;
    assert.equal(code, /^signet: [A-Za-z]+: /.test(stderr) ? 3 : 1, `seed ${SEED}: signet ${command} ${reference} exited ${code}: ${output}`);
    assert.ok(output.trim().length > 0, `seed ${SEED}: signet ${command} ${reference} said nothing`);
    assert.doesNotMatch(output, STACK, `seed ${SEED}: signet ${command} ${reference}: ${output}`);
    assert.doesNotMatch(output, RAW_ESCAPE, `seed ${SEED}: signet ${command} ${reference} printed a raw escape: ${JSON.stringify(output)}`);
  }
  const escapes = await signet(['tree', `${registry.host}/fuzz/escapes:v1`, '--no-public-good']);
  assert.match(escapes.stdout, /\\x1b\]0;pwned\\x07amd64/);
});

function signet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'out/main/cli/signet.js'), ...args], { env: { ...process.env, SIGNET_HOME: cliHome } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
