// cosign attestations in the `.att` tag layout: DSSE envelopes carrying in-toto statements, made by cosign and by
// this file, then mutations re-signed with the case's key so that each breaks exactly one rule of the DSSE or
// in-toto specifications (payload type, statement type, subject, predicate type, duplicate keys) or only a signature.
import { dsse } from '@sigstore/core';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publicKeysFromPem } from '../../main/signatures/cosign.verifier.ts';
import { ImageFactory } from '../support/image-factory.ts';
import type { Corpus, CorpusCase } from './corpus.types.ts';
import { attestationJudge } from './judges.ts';
import { attestationPeers } from './peers.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DSSE_LAYER = 'application/vnd.dsse.envelope.v1+json';
const IN_TOTO = 'application/vnd.in-toto+json';
const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
const SLSA = 'https://slsa.dev/provenance/v1';
const SPDX = 'https://spdx.dev/Document';
const TOOLS = fileURLToPath(new URL('../../.tools/', import.meta.url));
const run = promisify(execFile);

interface AttestationKey {
  name: string;
  privateKey?: KeyObject;
  publicKey: KeyObject;
  publicKeyFile: string;
}


class AttestationCases {
  private readonly factory: ImageFactory;
  private readonly host: string;
  private readonly dir: string;
  private readonly cases: CorpusCase[] = [];
  private counter = 0;

  constructor(registryUrl: string, dir: string) {
    this.factory = new ImageFactory(registryUrl);
    this.host = new URL(registryUrl).host;
    this.dir = dir;
  }

  private async key(name: string, curve: 'prime256v1' | 'secp384r1'): Promise<AttestationKey> {
    const pair = generateKeyPairSync('ec', { namedCurve: curve });
    const publicKeyFile = join(this.dir, `attestation-${name}.pub`);
    await writeFile(publicKeyFile, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    return { name, privateKey: pair.privateKey, publicKey: pair.publicKey, publicKeyFile };
  }

  private statement(digest: string, edit: (s: Record<string, unknown>) => void = () => undefined): Buffer {
    const statement: Record<string, unknown> = { _type: STATEMENT_V1, subject: [{ name: 'image', digest: { sha256: digest.slice(7) } }], predicateType: SLSA, predicate: { buildDefinition: { buildType: 'https://example.com/build' }, runDetails: {} } };
    edit(statement);
    return Buffer.from(JSON.stringify(statement));
  }

  // A DSSE envelope over the payload, signed over its PAE as cosign signs it (SHA-256 ECDSA, DER).
  private envelope(key: AttestationKey, payload: Buffer, payloadType = IN_TOTO): Buffer {
    const sig = sign('sha256', dsse.preAuthEncoding(payloadType, payload), key.privateKey!).toString('base64');
    return Buffer.from(JSON.stringify({ payloadType, payload: payload.toString('base64'), signatures: [{ keyid: '', sig }] }));
  }

  // The attestation manifest cosign writes under sha256-<hex>.att: one DSSE layer per attestation.
  private async pushAttestation(repository: string, digest: string, envelope: Buffer, predicateType = SLSA): Promise<void> {
    const blob = await this.factory.blob(repository, envelope);
    const layer = { mediaType: DSSE_LAYER, size: blob.size, digest: blob.digest, annotations: { 'dev.cosignproject.cosign/signature': '', predicateType } };
    const config = await this.factory.blob(repository, Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [blob.digest] }, config: {} })));
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.size, digest: config.digest }, layers: [layer] };
    await this.factory.manifestBytes(repository, `${digest.replace(':', '-')}.att`, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
  }

  // One case on a fresh repository, judged as an attestation of `asked`, by tag and by digest.
  private async each(key: AttestationKey, klass: string, rule: string, expected: 'pass' | 'fail', build: (repository: string, digest: string) => Promise<void>, asked = SLSA): Promise<void> {
    const repository = `adversarial/${klass}-${key.name}-${++this.counter}`;
    const digest = (await this.factory.image(repository, 'v1', { os: 'linux', architecture: 'amd64' }, `attestation ${repository}`)).digest;
    await build(repository, digest);
    for (const target of ['v1', digest]) {
      this.cases.push({
        id: `${klass}/${key.name}/${target === 'v1' ? 'tag' : 'digest'}`,
        class: klass,
        rule,
        expected,
        format: 'cosign-attestation',
        variant: key.name,
        repository,
        target,
        reference: target === 'v1' ? `${this.host}/${repository}:v1` : `${this.host}/${repository}@${digest}`,
        signet: { keys: [key.publicKey] },
        peerTrust: { publicKeyFile: key.publicKeyFile },
        predicateType: asked,
        judge: attestationJudge(asked),
      });
    }
  }

  // An attestation cosign itself made with its own key, for each cosign version users run.
  private async madeByCosign(): Promise<void> {
    const keyDir = join(this.dir, 'attestation-cosign');
    await mkdir(keyDir, { recursive: true });
    const env = { ...process.env, COSIGN_PASSWORD: 'adversarial', HOME: keyDir };
    await run(join(TOOLS, 'bin', 'cosign'), ['generate-key-pair'], { cwd: keyDir, env });
    const publicKeyFile = join(keyDir, 'cosign.pub');
    const made: AttestationKey = { name: 'p256-cosign-key', publicKey: publicKeysFromPem(await readFile(publicKeyFile, 'utf8'))[0]!, publicKeyFile };
    const predicate = join(keyDir, 'predicate.json');
    await writeFile(predicate, JSON.stringify({ buildDefinition: { buildType: 'https://example.com/build' }, runDetails: {} }));
    await this.each(made, 'att-good-by-cosign-2.5', 'none: an attestation cosign 2.5 made with its own key', 'pass', async (repository, digest) => {
      await run(join(TOOLS, 'bin', 'cosign'), ['attest', '--key', join(keyDir, 'cosign.key'), '--type', 'slsaprovenance1', '--predicate', predicate, '--tlog-upload=false', '--allow-http-registry', '--allow-insecure-registry', '--yes', `${this.host}/${repository}@${digest}`], { cwd: keyDir, env });
    });
  }

  async build(): Promise<CorpusCase[]> {
    await this.madeByCosign();
    const keys = [await this.key('p256', 'prime256v1'), await this.key('p384', 'secp384r1')];
    const other = await this.key('other', 'prime256v1');
    for (const key of keys) {
      await this.each(key, 'att-good', 'none: an in-toto statement about this image, signed by the trusted key', 'pass', (repository, digest) => this.pushAttestation(repository, digest, this.envelope(key, this.statement(digest))));
      await this.each(key, 'att-good-statement-v0.1', 'none: in-toto Statement v0.1, which cosign still writes', 'pass', (repository, digest) => this.pushAttestation(repository, digest, this.envelope(key, this.statement(digest, (s) => (s._type = 'https://in-toto.io/Statement/v0.1')))));
      await this.each(key, 'att-payload-type', 'the DSSE payload type must be application/vnd.in-toto+json', 'fail', (repository, digest) => this.pushAttestation(repository, digest, this.envelope(key, this.statement(digest), 'application/json')));
      await this.each(key, 'att-statement-type', 'the statement _type must be an in-toto Statement', 'fail', (repository, digest) => this.pushAttestation(repository, digest, this.envelope(key, this.statement(digest, (s) => (s._type = 'https://example.com/NotAStatement/v1')))));
      await this.each(key, 'att-subject-other', "the statement's subject must be this image", 'fail', (repository, digest) => this.pushAttestation(repository, digest, this.envelope(key, this.statement(digest, (s) => (s.subject = [{ name: 'image', digest: { sha256: 'ab'.repeat(32) } }])))));
      await this.each(key, 'att-subject-uppercase', 'subject digests compare exactly: upper-case hex is another digest', 'fail', (repository, digest) => this.pushAttestation(repository, digest, this.envelope(key, this.statement(digest, (s) => (s.subject = [{ name: 'image', digest: { sha256: digest.slice(7).toUpperCase() } }])))));
      await this.each(key, 'att-predicate-type', 'an attestation of another predicate type does not answer for the one asked', 'fail', (repository, digest) => this.pushAttestation(repository, digest, this.envelope(key, this.statement(digest, (s) => (s.predicateType = SPDX))), SPDX));
      await this.each(key, 'att-other-key', 'the envelope must be signed by the trusted key', 'fail', (repository, digest) => this.pushAttestation(repository, digest, this.envelope(other, this.statement(digest))));
      await this.each(key, 'att-payload-changed', "the signature must cover the envelope's payload", 'fail', async (repository, digest) => {
        const envelope = JSON.parse(this.envelope(key, this.statement(digest)).toString('utf8')) as { payload: string };
        envelope.payload = this.statement(digest, (s) => (s.predicate = { changed: true })).toString('base64');
        await this.pushAttestation(repository, digest, Buffer.from(JSON.stringify(envelope)));
      });
      await this.each(key, 'att-duplicate-subject', 'a signed statement naming a key twice is ambiguous and refused', 'fail', async (repository, digest) => {
        const text = this.statement(digest).toString('utf8').replace('"subject":', `"subject":[{"name":"image","digest":{"sha256":"${'ab'.repeat(32)}"}}],"subject":`);
        await this.pushAttestation(repository, digest, this.envelope(key, Buffer.from(text)));
      });
    }
    return this.cases;
  }
}

/** cosign attestations in the .att tag layout, read by cosign verify-attestation. */
export const attestationCorpus: Corpus = {
  name: 'attestation',
  build: (registryUrl, dir) => new AttestationCases(registryUrl, dir).build(),
  peers: attestationPeers,
};
