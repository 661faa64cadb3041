import { resolve, sep } from 'node:path';
import { formatImageReference, parseImageReference } from '../../shared/model/image-reference.parser.ts';
import { isLoopbackHost } from '../../shared/model/loopback-host.ts';
import type { Settings } from '../../shared/model/settings.model.ts';
import { SignetError } from '../errors.ts';
import { RegistryClient, type CredentialSource } from '../registry/registry.client.ts';
import { DockerCredentials } from '../registry/docker-credentials.ts';
import type { ImageSource, ImageWriter } from './image-source.types.ts';
import { LayoutSource } from './layout.source.ts';
import { RegistrySource } from './registry.source.ts';
import { CachingSource } from './caching.source.ts';

export interface ImageTarget {
  source: ImageSource;
  /** The same store, uncached, for writing signatures. */
  writer: ImageWriter;
  repository: string;
  reference: string;
  /** The reference as identity rules compare it. */
  display: string;
}

// `oci:/path/to/layout[:tag|@digest]` split into the folder and the name in it; a `..` segment is refused, since it would open another folder than the one written.
export function parseLayoutReference(text: string): { path: string; reference: string } {
  const rest = text.slice(4);
  const at = rest.lastIndexOf('@');
  const colon = rest.lastIndexOf(':');
  const [path, reference] = at > 0 ? [rest.slice(0, at), rest.slice(at + 1)] : colon > rest.lastIndexOf('/') ? [rest.slice(0, colon), rest.slice(colon + 1)] : [rest, 'latest'];
  if (path.split(/[\\/]/).includes('..') || reference.split(/[\\/]/).includes('..')) {
    throw new SignetError('Forbidden', `The layout reference ${text.slice(0, 200)} contains a ".." segment, which could open another folder; name the layout folder itself.`);
  }
  if (path === '') throw new SignetError('BadInput', 'The layout reference names no folder: write oci:/path/to/layout[:tag|@digest].');
  return { path, reference };
}

/** The stores of one registry, kept by its address so many references to it share one client (its connections and tokens). */
export type SharedStores = Map<string, Pick<ImageTarget, 'source' | 'writer'>>;

// `oci:/path/to/layout[:tag|@digest]` is a layout on disk; anything else is a registry reference.
export function resolveImageTarget(text: string, settings: Settings, options: { insecure?: boolean; cacheDir?: string; credentials?: CredentialSource; shared?: SharedStores } = {}): ImageTarget {
  if (text.startsWith('oci:')) {
    const { path, reference } = parseLayoutReference(text);
    const layout = new LayoutSource(path);
    return { source: layout, writer: layout, repository: 'layout', reference, display: text };
  }
  let parsed;
  try {
    parsed = parseImageReference(text);
  } catch (error) {
    throw new SignetError('BadInput', (error as Error).message);
  }
  const configured = settings.registries.find((r) => new URL(r.url).host === parsed.registry);
  const host = parsed.registry === 'docker.io' ? 'registry-1.docker.io' : parsed.registry;
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const baseUrl = configured?.url ?? `${options.insecure || isLoopbackHost(hostname) ? 'http' : 'https'}://${host}`;
  const insecure = configured?.insecure ?? options.insecure;
  const key = `${baseUrl} ${insecure === true}`;
  const stores = options.shared?.get(key) ?? registryStores(new RegistryClient({ baseUrl, insecure, credentials: options.credentials ?? new DockerCredentials(), cleartextHosts: settings.cleartextCredentialHosts }), options.cacheDir);
  options.shared?.set(key, stores);
  return { ...stores, repository: parsed.repository, reference: parsed.digest ?? parsed.tag ?? 'latest', display: formatImageReference({ ...parsed, digest: null }) };
}

// A registry read through the cache when there is one, and written uncached.
function registryStores(client: RegistryClient, cacheDir: string | undefined): Pick<ImageTarget, 'source' | 'writer'> {
  const registrySource = new RegistrySource(client);
  return { source: cacheDir ? new CachingSource(registrySource, cacheDir) : registrySource, writer: registrySource };
}

// From the renderer, a layout on disk is reachable only when the user configured it; `..` cannot escape.
export function assertConfiguredLayout(reference: string, settings: Settings): void {
  if (!reference.startsWith('oci:')) return;
  const path = resolve(parseLayoutReference(reference).path);
  if (!settings.layouts.some((layout) => path === resolve(layout.path) || path.startsWith(resolve(layout.path) + sep))) {
    throw new SignetError('Forbidden', `${path} is not a configured image layout; add it under System, Image layouts, first.`);
  }
}
