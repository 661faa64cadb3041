// The reference grammar apart from the digest schema, so that reading a reference does not load the validator.
/** A sha256 or sha512 digest as references and descriptors carry it. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$|^sha512:[0-9a-f]{128}$/;

export interface ImageReference {
  /** Registry host with optional port, as written (docker.io for Docker Hub). */
  registry: string;
  repository: string;
  tag: string | null;
  digest: string | null;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export const DEFAULT_REGISTRY = 'docker.io';

// Reads an image reference by the distribution grammar; the first part is a registry only if it looks like one.
export function parseImageReference(text: string): ImageReference {
  const input = text.trim();
  if (input.length === 0 || input.length > 512) throw new Error('An image reference is 1 to 512 characters.');
  let rest = input;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_PATTERN.test(digest)) throw new Error(`"${digest.slice(0, 80)}" is not a sha256 or sha512 digest.`);
  }
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new Error(`"${tag.slice(0, 80)}" is not a valid tag.`);
  }
  const parts = rest.split('/');
  let registry = DEFAULT_REGISTRY;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    if (!DOMAIN.test(first)) throw new Error(`"${first.slice(0, 80)}" is not a valid registry host.`);
    registry = first;
    parts.shift();
  }
  if (parts.length === 0 || parts.some((p) => !PATH_COMPONENT.test(p))) {
    throw new Error(`"${parts.join('/').slice(0, 120)}" is not a valid repository name (lower-case letters, digits and . _ - separators).`);
  }
  if (registry === DEFAULT_REGISTRY && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > 255) throw new Error('A repository name is at most 255 characters.');
  return { registry, repository, tag: digest === null && tag === null ? 'latest' : tag, digest };
}

// The canonical text of a reference: registry/repository, then :tag and @digest when present.
export function formatImageReference(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}${reference.tag ? `:${reference.tag}` : ''}${reference.digest ? `@${reference.digest}` : ''}`;
}
