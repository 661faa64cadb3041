import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { openRawP256 } from './raw-pkcs11.ts';
import { createApp } from '../../main/app/app.context.ts';
import type { SignIntentView, SignResult } from '../../shared/model/signing.model.ts';
import { ScriptedConfirmation } from '../support/confirmations.ts';
import { ImageFactory } from '../support/image-factory.ts';
import { MemoryKeychain } from '../support/memory-keychain.ts';
import { startRegistry } from '../support/registry.fixture.ts';
import { startSoftHsm, SOFTHSM_MODULE } from '../support/softhsm.fixture.ts';
import type { BenchResult } from './keys-sign.bench.ts';

const COUNT = 200;
const TARGET = 0.25;

// The least a cosign-format signature needs: sign the payload digest with raw pkcs11js, then upload payload and config and put the manifest.
async function minimal(registryUrl: string, repository: string, digests: string[], tokenLabel: string, pin: string): Promise<{ ms: number; requests: number }> {
  const { module, session, privateKey, close } = openRawP256(tokenLabel, pin, false);
  let requests = 0;
  const send = async (url: string | URL, init: RequestInit) => {
    requests++;
    const response = await fetch(url, init);
    await response.arrayBuffer();
    if (response.status >= 300) throw new Error(`${init.method} ${String(url)}: ${response.status}`);
    return response;
  };
  const blob = async (bytes: Buffer) => {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const start = await send(`${registryUrl}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    const location = new URL(start.headers.get('location')!, registryUrl);
    location.searchParams.set('digest', digest);
    await send(location, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } });
    return { digest, size: bytes.length };
  };
  try {
    const out = Buffer.alloc(128);
    const started = performance.now();
    for (const digest of digests) {
      const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': repository }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
      module.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey);
      const signature = module.C_Sign(session, createHash('sha256').update(payload).digest(), out);
      const layer = await blob(payload);
      const config = await blob(Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...layer, annotations: { 'dev.cosignproject.cosign/signature': Buffer.from(signature).toString('base64') } }],
      };
      await send(`${registryUrl}/v2/${repository}/manifests/${digest.replace(':', '-')}.sig`, { method: 'PUT', body: JSON.stringify(manifest), headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    }
    return { ms: performance.now() - started, requests };
  } finally {
    close();
  }
}

// Signet signs the same number of fresh images in one bulk run: pinned, signed on the token, pushed, read back and verified.
export async function measure(): Promise<BenchResult> {
  const hsm = await startSoftHsm('bench-sign', ['bench-raw']);
  const registry = await startRegistry();
  const home = await mkdtemp(join(tmpdir(), 'signet-bench-sign-'));
  const app = createApp({ host: 'cli', env: { ...process.env, SIGNET_HOME: home }, keychain: new MemoryKeychain(), confirmations: new ScriptedConfirmation() });
  try {
    const host = new URL(registry.url).host;
    const factory = new ImageFactory(registry.url);
    const baselineDigests: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      await factory.image('bench/signet', `t${i}`, { os: 'linux', architecture: 'amd64' }, `signet ${i}`);
      baselineDigests.push((await factory.image('bench/raw', `t${i}`, { os: 'linux', architecture: 'amd64' }, `raw ${i}`)).digest);
    }
    const baseline = await minimal(registry.url, 'bench/raw', baselineDigests, 'bench-raw', hsm.userPin);
    await app.pins.remember({ modulePath: SOFTHSM_MODULE, tokenLabel: 'bench-sign' }, hsm.userPin);
    const call = async <T>(channel: string, input: unknown): Promise<T> => {
      const result = await app.dispatch(channel, input, { host: 'cli' });
      if (!result.ok) throw new Error(result.error.message);
      return result.value as T;
    };
    const key = await call<{ id: string }>('keys.generate', { backend: { kind: 'pkcs11', modulePath: SOFTHSM_MODULE, tokenLabel: 'bench-sign' }, label: 'bench' });

    const started = performance.now();
    const intent = await call<SignIntentView>('signing.prepareBulk', { repository: `${host}/bench/signet`, tagPattern: 't*', platforms: false, keyId: key.id, format: 'cosign' });
    const result = await call<SignResult>('signing.confirm', { intentId: intent.intentId });
    const signetMs = performance.now() - started;
    const verified = result.signed.filter((s) => s.verdict === 'verified').length;
    if (result.signed.length !== COUNT || verified !== COUNT) throw new Error(`Signet signed ${result.signed.length} and verified ${verified} of ${COUNT}`);
    const ratio = baseline.ms / signetMs;
    return {
      lines: [
        `sign-push: ${COUNT} image digests, cosign format, SoftHSM P-256 key, loopback registry (distribution 2.8)`,
        `  minimal (raw pkcs11js + 5 writes each): ${baseline.ms.toFixed(0)} ms, ${(baseline.requests / COUNT).toFixed(1)} requests per signature`,
        `  Signet (resolve and pin, one confirmation, sign, push, read back, verify): ${signetMs.toFixed(0)} ms, ${(result.requests / COUNT).toFixed(1)} requests per signature, ${verified} verified`,
        `  overhead: Signet takes ${(signetMs / baseline.ms).toFixed(2)}x the minimal time`,
      ],
      ratios: { 'sign-push': { ratio, target: TARGET } },
    };
  } finally {
    await app.close();
    await rm(home, { recursive: true, force: true });
    await registry.stop();
    await hsm.cleanup();
  }
}
