import type { Attachment, AttachmentKind, ImageGraph, ManifestNode } from '../../shared/model/image-graph.model.ts';
import type { Fetched } from '../registry/registry.client.ts';
import type { ImageSource } from './image-source.types.ts';
import { ManifestDocumentSchema, ReferrersListSchema, readDocument, type Descriptor, type ManifestDocument } from './oci-documents.ts';
import { BudgetedSource, TooLargeToVerify, VerifyBudget } from './verify.budget.ts';
import { z } from 'zod';

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const MAX_CHILDREN = 64;
/** An index of indexes is followed one level down, no further. */
const MAX_DEPTH = 2;

export const COSIGN_SIGNATURE_LAYER = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_LAYER = 'application/vnd.dsse.envelope.v1+json';
export const SIGSTORE_BUNDLE_TYPES = ['application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.dev.sigstore.bundle+json;version=0.3'];
export const NOTATION_ARTIFACT = 'application/vnd.cncf.notary.signature';
const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const SBOM_TYPES = /spdx|cyclonedx|syft|sbom/i;

// cosign's tag for things attached to a manifest: sha256-<hex>.sig, .att, .sbom; without a suffix, the referrers fallback.
export function attachmentTag(digest: string, suffix: 'sig' | 'att' | 'sbom' | null): string {
  const tag = digest.replace(':', '-');
  return suffix ? `${tag}.${suffix}` : tag;
}

const BundleSchema = z.looseObject({ dsseEnvelope: z.looseObject({ payload: z.string().optional() }).optional() });
const StatementSchema = z.looseObject({ predicateType: z.string().optional() });

function parse(fetched: Fetched): ManifestDocument {
  return readDocument(fetched.bytes, ManifestDocumentSchema, `The manifest ${fetched.digest}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One discovery's reads and counters: every read draws on the verification's budget. */
interface Walk {
  source: ImageSource;
  budget: VerifyBudget;
  repository: string;
}

// An attachment whose document (or the referrers list that should name it) could not be read is kept, with what is wrong, so the chain shows it.
function unreadableAttachment(digest: string, via: Attachment['via'], tag: string | null, reason: string): Attachment {
  return { digest, kind: 'other', via, tag, artifactType: null, mediaTypes: [], predicateType: null, annotations: {}, unreadable: reason };
}

/**
 * Finds everything attached to an image: its index and each platform manifest, and for each of
 * them cosign's tag attachments and OCI referrers (through the API, or the tag-schema fallback
 * where the registry has none), each classified. Every document is checked before use; what
 * cannot be read is kept on its own node with what is wrong, and reading stops at the budget.
 */
export class Discovery {
  private readonly source: ImageSource;

  constructor(source: ImageSource) {
    this.source = source;
  }

  // With `children: false` only the named manifest and what is attached to it are read, not an index's platform manifests.
  async discover(repository: string, reference: string, options: { children?: boolean; budget?: VerifyBudget } = {}): Promise<ImageGraph> {
    const budget = options.budget ?? new VerifyBudget();
    const walk: Walk = { source: new BudgetedSource(this.source, budget), budget, repository };
    const problems: string[] = [];
    const fetched = await walk.source.getManifest(repository, reference);
    const root = await this.node(walk, fetched, null, problems, options.children === false ? MAX_DEPTH : 0);
    return {
      reference: `${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`,
      source: this.source.name,
      repository,
      tag: reference.startsWith('sha256:') ? null : reference,
      root,
      problems,
      ...(budget.exceeded ? { tooLarge: budget.exceeded } : {}),
    };
  }

  // The attachments of a manifest and its children are asked for at once; each part keeps its own problems, joined in a fixed order.
  private async node(walk: Walk, fetched: Fetched, platform: ManifestNode['platform'], problems: string[], depth: number): Promise<ManifestNode> {
    walk.budget.node();
    let manifest: ManifestDocument | null = null;
    let unreadable: string | undefined;
    try {
      manifest = parse(fetched);
    } catch (error) {
      unreadable = messageOf(error);
    }
    const mediaType = fetched.mediaType || manifest?.mediaType || '';
    const kind = INDEX_TYPES.has(mediaType) || Array.isArray(manifest?.manifests) ? 'index' : 'manifest';
    const node: ManifestNode = { digest: fetched.digest, mediaType, size: fetched.bytes.length, kind, platform, children: [], attachments: [], ...(unreadable ? { unreadable } : {}) };
    if (unreadable) problems.push(`unreadable: ${unreadable}`);
    const attachmentProblems: string[] = [];
    const attachments = this.attachments(walk, fetched.digest, attachmentProblems);
    const children = manifest && kind === 'index' && depth < MAX_DEPTH ? this.children(walk, manifest, depth) : Promise.resolve([]);
    // Awaited together, so that neither can reject unobserved while the other is waited for.
    const [found, walked] = await Promise.all([attachments, children]);
    node.attachments = found;
    problems.push(...attachmentProblems);
    for (const child of walked) {
      problems.push(...child.problems);
      if (child.node) node.children.push(child.node);
    }
    return node;
  }

  private async children(walk: Walk, manifest: ManifestDocument, depth: number): Promise<{ node: ManifestNode | null; problems: string[] }[]> {
    const listed = manifest.manifests ?? [];
    const tooMany = listed.length > MAX_CHILDREN ? [{ node: null, problems: [`The index lists more than ${MAX_CHILDREN} manifests; only the first ${MAX_CHILDREN} are shown.`] }] : [];
    const walked = listed.slice(0, MAX_CHILDREN).map(async (child: Descriptor) => {
      const problems: string[] = [];
      if (!child.digest || child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return { node: null, problems };
      const childPlatform = child.platform?.os && child.platform.architecture ? { os: child.platform.os, architecture: child.platform.architecture, ...(child.platform.variant ? { variant: child.platform.variant } : {}) } : null;
      try {
        const childFetched = await walk.source.getManifest(walk.repository, child.digest);
        return { node: await this.node(walk, childFetched, childPlatform, problems, depth + 1), problems };
      } catch (error) {
        const reason = `Platform manifest ${child.digest} could not be read: ${messageOf(error)}`;
        if (error instanceof TooLargeToVerify) return { node: null, problems: [...problems, reason] };
        const unreadable: ManifestNode = { digest: child.digest, mediaType: child.mediaType ?? '', size: child.size ?? 0, kind: 'manifest', platform: childPlatform, children: [], attachments: [], unreadable: reason };
        return { node: unreadable, problems: [...problems, `unreadable: ${reason}`] };
      }
    });
    return [...tooMany, ...(await Promise.all(walked))];
  }

  private async attachments(walk: Walk, digest: string, problems: string[]): Promise<Attachment[]> {
    const tagged = (['sig', 'att', 'sbom'] as const).map(async (suffix) => {
      const tag = attachmentTag(digest, suffix);
      let fetched: Fetched | null = null;
      try {
        fetched = await walk.source.tryManifest(walk.repository, tag);
        if (fetched) walk.budget.node();
        return { found: fetched ? [await this.classify(walk, fetched, 'cosign-tag', tag, null)] : [], problems: [] };
      } catch (error) {
        const reason = `The ${suffix} attachment of ${digest} could not be read: ${messageOf(error)}`;
        const found = error instanceof TooLargeToVerify ? [] : [unreadableAttachment(fetched?.digest ?? digest, 'cosign-tag', tag, reason)];
        return { found, problems: [reason] };
      }
    });
    const parts = await Promise.all([...tagged, this.referred(walk, digest)]);
    for (const part of parts) problems.push(...part.problems);
    return parts.flatMap((part) => part.found);
  }

  private async referred(walk: Walk, digest: string): Promise<{ found: Attachment[]; problems: string[] }> {
    let referrers: Buffer | null;
    let via: 'referrers-api' | 'referrers-tag' = 'referrers-api';
    let listed: Descriptor[];
    try {
      referrers = await walk.source.referrers(walk.repository, digest);
      if (referrers === null) {
        via = 'referrers-tag';
        referrers = (await walk.source.tryManifest(walk.repository, attachmentTag(digest, null)))?.bytes ?? null;
      }
      if (!referrers) return { found: [], problems: [] };
      listed = readDocument(referrers, ReferrersListSchema, `The referrers list of ${digest}`).manifests;
      walk.budget.referrers(listed.length);
    } catch (error) {
      const reason = `The referrers of ${digest} could not be read: ${messageOf(error)}`;
      return { found: error instanceof TooLargeToVerify ? [] : [unreadableAttachment(digest, via, null, reason)], problems: [reason] };
    }
    const read = listed.map(async (descriptor) => {
      if (!descriptor.digest) return { found: [], problems: [] };
      try {
        walk.budget.node();
        const fetched = await walk.source.getManifest(walk.repository, descriptor.digest);
        return { found: [await this.classify(walk, fetched, via, null, descriptor.artifactType ?? null)], problems: [] };
      } catch (error) {
        const reason = `Referrer ${descriptor.digest} of ${digest} could not be read: ${messageOf(error)}`;
        return { found: error instanceof TooLargeToVerify ? [] : [unreadableAttachment(descriptor.digest, via, null, reason)], problems: [reason] };
      }
    });
    const parts = await Promise.all(read);
    return { found: parts.flatMap((part) => part.found), problems: parts.flatMap((part) => part.problems) };
  }

  private async classify(walk: Walk, fetched: Fetched, via: Attachment['via'], tag: string | null, declaredType: string | null): Promise<Attachment> {
    const manifest = parse(fetched);
    const layers = manifest.layers ?? [];
    const mediaTypes = layers.map((l) => l.mediaType ?? '');
    const artifactType = manifest.artifactType ?? declaredType ?? manifest.config?.mediaType ?? null;
    let kind: AttachmentKind = 'other';
    let predicateType: string | null = null;
    if (artifactType === NOTATION_ARTIFACT) kind = 'notation-signature';
    else if (mediaTypes.length > 0 && mediaTypes.every((m) => m === COSIGN_SIGNATURE_LAYER)) kind = 'cosign-signature';
    else if (mediaTypes.length > 0 && mediaTypes.every((m) => m === DSSE_LAYER)) {
      kind = 'cosign-attestation';
      predicateType = layers[0]?.annotations?.predicateType ?? null;
    } else if (SIGSTORE_BUNDLE_TYPES.includes(artifactType ?? '') || mediaTypes.some((m) => SIGSTORE_BUNDLE_TYPES.includes(m))) {
      predicateType = await this.bundlePredicate(walk, layers[0]);
      kind = predicateType === null || predicateType === COSIGN_SIGN_PREDICATE ? 'sigstore-bundle-signature' : 'sigstore-bundle-attestation';
    } else if (SBOM_TYPES.test(`${artifactType ?? ''} ${mediaTypes.join(' ')}`) || tag?.endsWith('.sbom')) kind = 'sbom';
    return { digest: fetched.digest, kind, via, tag, artifactType, mediaTypes, predicateType, annotations: manifest.annotations ?? {} };
  }

  // A bundle is a signature if it signs a message, or a DSSE statement with cosign's signing predicate; any other predicate is an attestation.
  private async bundlePredicate(walk: Walk, layer: Descriptor | undefined): Promise<string | null> {
    if (!layer?.digest) return null;
    const bundle = readDocument(await walk.source.getBlob(walk.repository, layer.digest, 4 * 1024 * 1024), BundleSchema, `The sigstore bundle ${layer.digest}`);
    if (!bundle.dsseEnvelope?.payload) return null;
    const statement = readDocument(Buffer.from(bundle.dsseEnvelope.payload, 'base64'), StatementSchema, `The statement in bundle ${layer.digest}`);
    return statement.predicateType ?? null;
  }
}
