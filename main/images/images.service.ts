import { join } from 'node:path';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import type { ImageStoreRef, InspectInput, InspectProgress } from '../../shared/model/images.model.ts';
import { SignetError } from '../errors.ts';
import type { KeyService } from '../keys/keys.service.ts';
import type { CredentialSource } from '../registry/registry.client.ts';
import { RegistryClient } from '../registry/registry.client.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';
import { WriteQueue } from '../storage/write-queue.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import { CONFIGURED_TRUST, describeTrust, loadTrust, readCertificates } from '../trust/trust-sources.ts';
import { assertConfiguredLayout, resolveImageTarget } from './image-target.ts';
import { LayoutSource } from './layout.source.ts';
import { VerifyEngine, type VerifyOptions } from './verify.engine.ts';
import type { AuthorityService } from '../trust/authority.service.ts';
import type { HostKind } from '../../shared/model/system.model.ts';

const RECENT_LIMIT = 20;
/** cosign's attachment tags and the referrers fallback index are not images of their own. */
const ATTACHMENT_TAG = /^sha256-[0-9a-f]{64}(\.(sig|att|sbom))?$/;

export interface ImagesServiceOptions {
  dataDir: string;
  settings: SettingsService;
  keys: KeyService;
  credentials: CredentialSource;
  onProgress(progress: InspectProgress): void;
  /** Signet's certificate authority, trusted for Notation signatures it issued. */
  authority?: AuthorityService;
}

/**
 * The chain inspector's side of main: inspects with the trust the settings name plus every
 * inventory key (their status then judged by their records), remembers what was looked at, and
 * lists what the configured registries and layouts hold.
 */
export class ImagesService {
  private readonly options: ImagesServiceOptions;
  private readonly recentFile: string;
  private readonly recentWrite = new WriteQueue();

  constructor(options: ImagesServiceOptions) {
    this.options = options;
    this.recentFile = join(options.dataDir, 'recent-images.json');
  }

  async inspect(input: InspectInput, host: HostKind): Promise<ChainReport> {
    const settings = await this.options.settings.get();
    assertConfiguredLayout(input.reference, settings);
    const target = resolveImageTarget(input.reference, settings, { insecure: input.insecure, cacheDir: join(this.options.dataDir, 'cache'), credentials: this.options.credentials });
    const options = await this.trustOptions(host);
    const report = await new VerifyEngine(target.source).verify(target.repository, target.reference, {
      reference: target.display,
      ...options,
      includeRawManifests: true,
      onProgress: (progress) => this.options.onProgress({ reference: input.reference, ...progress }),
    });
    await this.remember(input.reference);
    return { ...report, trust: describeTrust(options, CONFIGURED_TRUST) };
  }

  // The trust the settings name, every inventory key, and Signet's own certificate authority with its current CRL.
  async trustOptions(host: HostKind): Promise<Omit<VerifyOptions, 'reference'>> {
    const trust = (await this.options.settings.get()).trust;
    const options = await loadTrust(
      {
        keyFiles: trust.keyFiles,
        keyRefs: [],
        allInventoryKeys: true,
        rekorKeyFiles: trust.rekorKeyFiles,
        caFiles: trust.caFiles,
        tsaFiles: trust.tsaFiles,
        notationStores: trust.notationStores,
        crlFiles: trust.crlFiles,
        identity: trust.identity ?? undefined,
        issuer: trust.issuer ?? undefined,
        trustedRootFile: trust.trustedRootFile ?? undefined,
        requireTlog: trust.requireTlog,
        publicGood: trust.publicGood,
      },
      await this.options.keys.list(),
    );
    const authority = this.options.authority ? await this.options.authority.trust(host) : { roots: [], crls: [] };
    if (authority.roots.length === 0) return options;
    // Notation's timestamp authorities are the ones the user trusts (System › Trust), never the public-good root's, which vouch for sigstore's logs.
    const notation = options.notation ?? { ca: [], signingAuthority: [], tsa: await readCertificates(trust.tsaFiles), trustedIdentities: [], level: 'strict' as const };
    return { ...options, notation: { ...notation, ca: [...notation.ca, ...authority.roots], crls: [...(notation.crls ?? []), ...authority.crls] } };
  }

  async recent(): Promise<string[]> {
    const parsed = parseJsonOrUndefined((await readFileIfExists(this.recentFile)) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((r): r is string => typeof r === 'string').slice(0, RECENT_LIMIT) : [];
  }

  // Serialised so two inspections finishing together both land in the list.
  private remember(reference: string): Promise<void> {
    return this.recentWrite.run(async () => {
      const list = [reference, ...(await this.recent()).filter((r) => r !== reference)].slice(0, RECENT_LIMIT);
      await writeFileAtomic(this.recentFile, `${JSON.stringify(list, null, 2)}\n`);
    });
  }

  async repositories(store: ImageStoreRef): Promise<{ repositories: string[]; note: string | null }> {
    if (store.kind === 'layout') {
      await this.layout(store.name);
      return { repositories: ['(layout)'], note: 'An OCI layout holds one repository; its tags are its image names.' };
    }
    const client = await this.registry(store.name);
    try {
      return { repositories: (await client.listRepositories()).sort(), note: null };
    } catch (error) {
      if (error instanceof SignetError && (error.code === 'Unauthorized' || error.code === 'Forbidden' || error.code === 'NotFound')) {
        return { repositories: [], note: `This registry does not list its repositories (${error.message}); type a reference instead.` };
      }
      throw error;
    }
  }

  async tags(store: ImageStoreRef & { repository: string }): Promise<{ tags: string[]; references: Record<string, string> }> {
    if (store.kind === 'layout') {
      const path = await this.layout(store.name);
      const tags = (await new LayoutSource(path).listTags()).filter((t) => !ATTACHMENT_TAG.test(t)).sort();
      return { tags, references: Object.fromEntries(tags.map((t) => [t, `oci:${path}:${t}`])) };
    }
    const settings = await this.options.settings.get();
    const registry = settings.registries.find((r) => r.name === store.name)!;
    const client = await this.registry(store.name);
    const tags = (await client.listTags(store.repository)).filter((t) => !ATTACHMENT_TAG.test(t)).sort();
    const host = new URL(registry.url).host;
    return { tags, references: Object.fromEntries(tags.map((t) => [t, `${host}/${store.repository}:${t}`])) };
  }

  private async layout(name: string): Promise<string> {
    const layout = (await this.options.settings.get()).layouts.find((l) => l.name === name);
    if (!layout) throw new SignetError('NotFound', `No layout named ${name} is configured.`);
    return layout.path;
  }

  private async registry(name: string): Promise<RegistryClient> {
    const settings = await this.options.settings.get();
    const registry = settings.registries.find((r) => r.name === name);
    if (!registry) throw new SignetError('NotFound', `No registry named ${name} is configured.`);
    return new RegistryClient({ baseUrl: registry.url, insecure: registry.insecure, credentials: this.options.credentials, cleartextHosts: settings.cleartextCredentialHosts });
  }
}
