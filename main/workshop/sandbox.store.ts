import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SettingsPatch } from '../../shared/model/settings.model.ts';
import { SignetError } from '../errors.ts';
import type { ImageSource, ImageWriter } from '../images/image-source.types.ts';
import { LayoutSource } from '../images/layout.source.ts';
import { RegistrySource } from '../images/registry.source.ts';
import { RegistryClient } from '../registry/registry.client.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { buildSamples, publishSample, SAMPLE_NAMES, SAMPLE_TAG, type SampleImage, type SampleName } from './samples.builder.ts';
import { SandboxRegistry, short, type StoreWrite } from './sandbox.registry.ts';
import { findTool } from './tool.finder.ts';

export type ImageStoreMode = 'auto' | 'registry' | 'layout';

/** Where one sample lives: a store Signet reads and writes, and the repository name in it. */
interface Place {
  store: ImageSource & ImageWriter;
  repository: string;
}

type LayoutSnapshot = Map<SampleName, { blobs: Set<string>; entries: Map<string, string> }>;

const REF_NAME = 'org.opencontainers.image.ref.name';
const SCOPE = /^[A-Za-z0-9._:/*?@-]+$/;

// Tampering writes where cosign looks for a manifest's signatures, or the lesson would prove nothing.
function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

/**
 * The sandbox's image store: a loopback registry when `docker-registry` is installed, OCI layout
 * folders otherwise, holding the three samples Signet built itself. It knows every write made to
 * it since it was opened, and carries out the lessons' tampering with Signet's own writers.
 */
export class SandboxStore {
  readonly kind: 'registry' | 'layout';
  readonly note: string | null;
  readonly samples: Record<SampleName, SampleImage> = buildSamples();
  private readonly registry: SandboxRegistry | null;
  private readonly imagesDir: string;
  private readonly places: Record<SampleName, Place>;
  private readonly now: () => Date;
  private readonly layoutWrites: StoreWrite[] = [];
  private snapshot: LayoutSnapshot | null = null;

  private constructor(registry: SandboxRegistry | null, imagesDir: string, note: string | null, now: () => Date) {
    this.registry = registry;
    this.kind = registry ? 'registry' : 'layout';
    this.imagesDir = imagesDir;
    this.note = note;
    this.now = now;
    if (registry) {
      const source = new RegistrySource(new RegistryClient({ baseUrl: registry.url }));
      this.places = { web: { store: source, repository: 'workshop/web' }, multi: { store: source, repository: 'workshop/multi' }, other: { store: source, repository: 'workshop/other' } };
    } else {
      const layout = (name: SampleName): Place => ({ store: new LayoutSource(join(imagesDir, name)), repository: 'layout' });
      this.places = { web: layout('web'), multi: layout('multi'), other: layout('other') };
    }
  }

  // Starts the store in the sandbox folder and publishes the samples into it.
  static async open(dir: string, mode: ImageStoreMode, env: NodeJS.ProcessEnv, now: () => Date): Promise<SandboxStore> {
    const imagesDir = join(dir, 'images');
    let registry: SandboxRegistry | null = null;
    let note: string | null = mode === 'layout' ? 'The sample images live in OCI image-layout folders, as this workshop was set up to use.' : null;
    if (mode !== 'layout') {
      const executable = await findTool('docker-registry', env);
      if (!executable && mode === 'registry') throw new SignetError('Unavailable', 'The workshop was set up to use a registry, but docker-registry is not on PATH.');
      if (executable) {
        try {
          registry = await SandboxRegistry.start(join(dir, 'registry'), executable, now);
        } catch (error) {
          if (mode === 'registry') throw error;
          note = `The workshop registry did not start (${(error as Error).message}), so the sample images live in OCI image-layout folders.`;
        }
      } else {
        note = 'docker-registry is not on PATH, so the sample images live in OCI image-layout folders.';
      }
    }
    const store = new SandboxStore(registry, imagesDir, note, now);
    try {
      if (!registry) {
        for (const name of SAMPLE_NAMES) {
          const folder = join(imagesDir, name);
          await mkdir(join(folder, 'blobs', 'sha256'), { recursive: true });
          await writeFileAtomic(join(folder, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}', 0o644);
          await writeFileAtomic(join(folder, 'index.json'), '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}', 0o644);
        }
      }
      for (const name of SAMPLE_NAMES) await publishSample(store.places[name].store, store.places[name].repository, store.samples[name]);
    } catch (error) {
      await store.stop();
      throw error;
    }
    return store;
  }

  // The reference Signet's screens and services take for a sample, by its tag or by a digest.
  reference(name: SampleName, at: string = SAMPLE_TAG): string {
    const separator = at.startsWith('sha256:') ? '@' : ':';
    if (this.registry) return `${new URL(this.registry.url).host}/${this.places[name].repository}${separator}${at}`;
    return `oci:${join(this.imagesDir, name)}${separator}${at}`;
  }

  // What the sandbox's settings need to reach the samples: its registry, or its layout folders.
  settingsPatch(): SettingsPatch {
    if (this.registry) return { registries: [{ name: 'workshop', url: this.registry.url, insecure: false }], layouts: [] };
    return { registries: [], layouts: SAMPLE_NAMES.map((name) => ({ name, path: join(this.imagesDir, name) })) };
  }

  // A policy scope that covers exactly the samples, in the form policy exports understand.
  policyScope(): string {
    const scope = this.registry ? `${new URL(this.registry.url).host}/workshop/*` : `oci:${this.imagesDir}/*`;
    return SCOPE.test(scope) ? scope : '*';
  }

  // Everything written to the store since it was opened, oldest first.
  writes(): StoreWrite[] {
    return this.registry ? [...this.registry.writes] : [...this.layoutWrites];
  }

  // A layout has no server to watch, so its folders are compared before and after each step.
  async beginStep(): Promise<void> {
    if (!this.registry) this.snapshot = await this.snapshotLayouts();
  }

  async endStep(): Promise<void> {
    if (this.registry || !this.snapshot) return;
    const before = this.snapshot;
    this.snapshot = null;
    const after = await this.snapshotLayouts();
    const time = this.now().toISOString();
    for (const name of SAMPLE_NAMES) {
      const was = before.get(name)!;
      const is = after.get(name)!;
      const manifests = new Set<string>();
      for (const [key, digest] of is.entries) {
        if (was.entries.get(key) === digest) continue;
        manifests.add(digest);
        this.layoutWrites.push({ time, what: key.startsWith('@') ? `${name}: manifest stored by digest ${short(digest)}` : `${name}: tag ${short(key)} now names ${short(digest)}` });
      }
      for (const blob of is.blobs) {
        if (!was.blobs.has(blob) && !manifests.has(blob)) this.layoutWrites.push({ time, what: `${name}: blob ${short(blob)} written` });
      }
    }
  }

  // The tag of `name` is moved to another sample's content, as someone with push rights could do.
  async retag(name: SampleName): Promise<{ decoy: SampleName; before: string | null; after: string }> {
    const decoy: SampleName = name === 'other' ? 'web' : 'other';
    const place = this.places[name];
    const before = (await place.store.tryManifest(place.repository, SAMPLE_TAG))?.digest ?? null;
    await publishSample(place.store, place.repository, this.samples[decoy]);
    return { decoy, before, after: this.samples[decoy].root.digest };
  }

  // The sample's manifest is changed (an annotation added) and pushed under its tag, with the old signature copied along.
  async editManifest(name: SampleName): Promise<{ original: string; edited: string; carried: boolean }> {
    const place = this.places[name];
    const original = this.samples[name].root;
    const body = JSON.parse(original.bytes.toString('utf8')) as { annotations?: Record<string, string> };
    body.annotations = { ...body.annotations, 'org.opencontainers.image.description': 'Edited after it was signed' };
    const bytes = Buffer.from(JSON.stringify(body));
    const edited = await place.store.putManifest(place.repository, SAMPLE_TAG, bytes, original.mediaType);
    const signature = await place.store.tryManifest(place.repository, signatureTag(original.digest));
    if (signature) await place.store.putManifest(place.repository, signatureTag(edited), signature.bytes, signature.mediaType);
    return { original: original.digest, edited, carried: signature !== null };
  }

  // The cosign signature of another sample is copied onto this one's manifest, blobs and all; null when no other sample is signed.
  async copySignature(onto: SampleName): Promise<{ from: SampleName; signed: string; target: string } | null> {
    const target = this.places[onto];
    for (const from of SAMPLE_NAMES.filter((n) => n !== onto)) {
      const source = this.places[from];
      const signed = this.samples[from].root.digest;
      const signature = await source.store.tryManifest(source.repository, signatureTag(signed));
      if (!signature) continue;
      const parsed = JSON.parse(signature.bytes.toString('utf8')) as { config?: { digest?: string }; layers?: { digest?: string }[] };
      for (const digest of [parsed.config?.digest, ...(parsed.layers ?? []).map((l) => l.digest)]) {
        if (digest) await target.store.putBlob(target.repository, await source.store.getBlob(source.repository, digest));
      }
      await target.store.putManifest(target.repository, signatureTag(this.samples[onto].root.digest), signature.bytes, signature.mediaType);
      return { from, signed, target: this.samples[onto].root.digest };
    }
    return null;
  }

  // The digest the sample's tag names now, or null when the tag is gone.
  async resolve(name: SampleName): Promise<string | null> {
    const place = this.places[name];
    return (await place.store.tryManifest(place.repository, SAMPLE_TAG).catch(() => null))?.digest ?? null;
  }

  async stop(): Promise<void> {
    await this.registry?.stop();
  }

  private async snapshotLayouts(): Promise<LayoutSnapshot> {
    const snapshot: LayoutSnapshot = new Map();
    for (const name of SAMPLE_NAMES) {
      const folder = join(this.imagesDir, name);
      const blobs = new Set((await readdir(join(folder, 'blobs', 'sha256')).catch(() => [] as string[])).filter((f) => /^[0-9a-f]{64}$/.test(f)).map((f) => `sha256:${f}`));
      const entries = new Map<string, string>();
      try {
        const index = JSON.parse(await readFile(join(folder, 'index.json'), 'utf8')) as { manifests?: { digest?: string; annotations?: Record<string, string> }[] };
        for (const entry of index.manifests ?? []) {
          if (entry.digest) entries.set(entry.annotations?.[REF_NAME] ?? `@${entry.digest}`, entry.digest);
        }
      } catch {
        // A layout someone broke shows as empty; the step's own result says what went wrong.
      }
      snapshot.set(name, { blobs, entries });
    }
    return snapshot;
  }
}
