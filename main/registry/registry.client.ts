import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { parseJsonOrUndefined } from '../../shared/json.ts';
import { isLoopbackHost } from '../../shared/model/loopback-host.ts';
import { SignetError } from '../errors.ts';

export interface Credentials {
  username: string;
  password: string;
}

/** Where credentials for a registry come from (Docker config, credential helpers, the OS keychain). */
export interface CredentialSource {
  credentialsFor(registryHost: string): Promise<Credentials | null>;
}

export interface RegistryClientOptions {
  /** The registry's base URL, such as https://ghcr.io or http://127.0.0.1:5000. */
  baseUrl: string;
  /** Plain HTTP to a host that is not loopback needs this, said on purpose. */
  insecure?: boolean;
  credentials?: CredentialSource;
  /** Hosts (host[:port]) a person confirmed, through main's own channel, may receive stored credentials over plain HTTP. */
  cleartextHosts?: readonly string[];
  timeoutMs?: number;
  retries?: number;
  concurrency?: number;
  maxManifestBytes?: number;
  maxBlobBytes?: number;
}

export interface Fetched {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A token service's answer; anything else is a refusal in words, not a crash. */
const TokenAnswerSchema = z.looseObject({ token: z.string().optional(), access_token: z.string().optional(), expires_in: z.number().optional() });
/** One page of a tag list or catalog: the list may be null or missing (an empty repository), never another type. */
const ListPageSchema = z.looseObject({ tags: z.array(z.unknown()).nullish(), repositories: z.array(z.unknown()).nullish() });

interface RequestOptions {
  /** Blob downloads may follow redirects to storage elsewhere; their bytes are checked by digest. */
  blob?: boolean;
  /** The token scope, when it is not pulling from the repository. */
  scope?: string;
  body?: Buffer;
}
const MAX_REDIRECTS = 3;
const MAX_TAG_PAGES = 100;
/** Bodies up to this size are drained when dropped, so the connection can carry the next request; larger ones close it. */
const DRAIN_LIMIT = 64 * 1024;

/** An answer: its status, headers by lower-case name, and a body that is read with a cap or dropped. */
interface Answer {
  readonly status: number;
  readonly ok: boolean;
  readonly url: URL;
  readonly headers: { get(name: string): string | null };
  readonly body: IncomingMessage;
  /** Set when the request's time ran out, the body's reading included. */
  readonly timedOut: () => boolean;
}

/** Thrown into a request whose time ran out, so that it is told apart from a reset connection. */
class RequestTimeout extends Error {}

// The digest a registry must have served, computed over the exact bytes received.
export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

// Stored credentials cross plain HTTP only to loopback, or to a host a person confirmed through main's own channel; `insecure` alone, which the page can set, is not enough.
export function credentialsMayTravel(base: URL, cleartextHosts: readonly string[]): boolean {
  if (base.protocol === 'https:') return true;
  if (base.protocol !== 'http:') return false;
  return isLoopbackHost(base.hostname.replace(/^\[|\]$/g, '')) || cleartextHosts.includes(base.host.toLowerCase());
}

/**
 * An OCI Distribution v2 client that trusts nothing it is sent: every manifest and blob is checked
 * against its digest and a size cap, requests time out, 5xx answers are retried a bounded number of
 * times, authentication is tried once per challenge, and API redirects may not leave the host.
 */
export class RegistryClient {
  readonly base: URL;
  private readonly options: Required<Omit<RegistryClientOptions, 'credentials' | 'baseUrl' | 'insecure' | 'cleartextHosts'>> & { credentials: CredentialSource | null };
  private readonly credentialsMayTravel: boolean;
  private readonly tokens = new Map<string, { value: string; expires: number }>();
  private readonly tokenRequests = new Map<string, Promise<string>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** HTTP requests sent so far, redirects and token fetches included: what a benchmark reports per signature. */
  requests = 0;
  private referrersApi: boolean | null = null;

  constructor(options: RegistryClientOptions) {
    this.base = new URL(options.baseUrl);
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') throw new SignetError('BadInput', `${options.baseUrl} is not an http(s) URL.`);
    if (this.base.protocol === 'http:' && !options.insecure && !isLoopbackHost(this.base.hostname)) {
      throw new SignetError('Forbidden', `Plain HTTP to ${this.base.host} is refused; mark the registry insecure if you mean it.`);
    }
    this.credentialsMayTravel = credentialsMayTravel(this.base, options.cleartextHosts ?? []);
    this.options = {
      credentials: options.credentials ?? null,
      timeoutMs: options.timeoutMs ?? 15_000,
      retries: options.retries ?? 2,
      concurrency: options.concurrency ?? 4,
      maxManifestBytes: options.maxManifestBytes ?? 4 * 1024 * 1024,
      maxBlobBytes: options.maxBlobBytes ?? 64 * 1024 * 1024,
    };
  }

  // A tag is resolved to the digest of the bytes actually received; a digest reference must match them.
  async getManifest(repository: string, reference: string, accept: readonly string[] = MANIFEST_MEDIA_TYPES): Promise<Fetched> {
    const response = await this.request('GET', repository, `/manifests/${encodeURIComponent(reference)}`, { accept: accept.join(', ') });
    const bytes = await readCapped(response, this.options.maxManifestBytes, `the manifest ${repository}:${reference}`);
    const digest = sha256Digest(bytes);
    if (DIGEST.test(reference) && reference !== digest) {
      throw new SignetError('Conflict', `The registry sent a manifest whose digest is ${digest}, not the ${reference} asked for.`);
    }
    const claimed = response.headers.get('docker-content-digest');
    if (claimed && claimed !== digest) {
      throw new SignetError('Conflict', `The registry says the manifest is ${claimed}, but the bytes it sent are ${digest}.`);
    }
    return { digest, mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim(), bytes };
  }

  // Whether a manifest exists, without downloading it; null when the registry says it does not.
  async headManifest(repository: string, reference: string): Promise<{ digest: string | null; mediaType: string; size: number } | null> {
    try {
      const response = await this.request('HEAD', repository, `/manifests/${encodeURIComponent(reference)}`, { accept: MANIFEST_MEDIA_TYPES.join(', ') });
      return {
        digest: response.headers.get('docker-content-digest'),
        mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim(),
        size: Number(response.headers.get('content-length') ?? 0),
      };
    } catch (error) {
      if (error instanceof SignetError && error.code === 'NotFound') return null;
      throw error;
    }
  }

  // A blob, capped and checked against its digest; storage redirects are followed because the digest is checked.
  async getBlob(repository: string, digest: string, maxBytes = this.options.maxBlobBytes): Promise<Buffer> {
    if (!DIGEST.test(digest)) throw new SignetError('BadInput', `"${digest.slice(0, 80)}" is not a sha256 digest.`);
    const response = await this.request('GET', repository, `/blobs/${digest}`, {}, { blob: true });
    const bytes = await readCapped(response, maxBytes, `the blob ${digest}`);
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw new SignetError('Conflict', `The registry sent blob bytes whose digest is ${actual}, not ${digest}.`);
    return bytes;
  }

  // OCI 1.1 referrers of a manifest; null when the registry has no referrers API (then the tag schema is the fallback).
  async getReferrers(repository: string, digest: string): Promise<Buffer | null> {
    if (!DIGEST.test(digest)) throw new SignetError('BadInput', `"${digest.slice(0, 80)}" is not a sha256 digest.`);
    try {
      const response = await this.request('GET', repository, `/referrers/${digest}`, { accept: 'application/vnd.oci.image.index.v1+json' });
      return await readCapped(response, this.options.maxManifestBytes, `the referrers of ${digest}`);
    } catch (error) {
      if (error instanceof SignetError && error.code === 'NotFound') return null;
      throw error;
    }
  }

  // Whether the registry answers the OCI 1.1 referrers API; asked once, since writers must keep the tag-schema index when it does not.
  async hasReferrersApi(repository: string, digest: string): Promise<boolean> {
    this.referrersApi ??= (await this.getReferrers(repository, digest)) !== null;
    return this.referrersApi;
  }

  // An upload in two requests (start, then the whole body with its digest); the registry checks the digest too.
  async putBlob(repository: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
    const digest = sha256Digest(bytes);
    const push = `repository:${repository}:pull,push`;
    const started = await this.request('POST', repository, '/blobs/uploads/', {}, { scope: push });
    await discard(started);
    const location = started.headers.get('location');
    if (!location) throw new SignetError('BadInput', `${this.base.host} started an upload without saying where to send it.`);
    const target = registryUrl(location, this.base, 'The upload address the registry sent');
    if (target.origin !== this.base.origin) throw new SignetError('Forbidden', `${this.base.host} sent the upload to ${target.host}; uploads to another host are refused.`);
    target.searchParams.set('digest', digest);
    const put = await this.request('PUT', repository, target, { 'content-type': 'application/octet-stream' }, { scope: push, body: bytes });
    await discard(put);
    const claimed = put.headers.get('docker-content-digest');
    if (claimed && claimed !== digest) throw new SignetError('Conflict', `${this.base.host} stored the blob as ${claimed}, not ${digest}.`);
    return { digest, size: bytes.length };
  }

  // A manifest under a tag or its own digest; the digest the registry reports must be that of the bytes sent.
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    if (bytes.length > this.options.maxManifestBytes) throw new SignetError('BadInput', `The manifest is ${bytes.length} bytes, over the ${this.options.maxManifestBytes}-byte limit.`);
    const digest = sha256Digest(bytes);
    if (DIGEST.test(reference) && reference !== digest) throw new SignetError('BadInput', `The manifest's digest is ${digest}, not ${reference}.`);
    const response = await this.request('PUT', repository, `/manifests/${encodeURIComponent(reference)}`, { 'content-type': mediaType }, { scope: `repository:${repository}:pull,push`, body: bytes });
    await discard(response);
    const claimed = response.headers.get('docker-content-digest');
    if (claimed && claimed !== digest) throw new SignetError('Conflict', `${this.base.host} stored the manifest as ${claimed}, not ${digest}.`);
    return digest;
  }

  // Removes a manifest by digest (a signature that must not stay); false when the registry no longer holds it.
  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    if (!DIGEST.test(digest)) throw new SignetError('BadInput', `"${digest.slice(0, 80)}" is not a sha256 digest; only manifests named by digest are deleted.`);
    try {
      const response = await this.request('DELETE', repository, `/manifests/${digest}`, { accept: MANIFEST_MEDIA_TYPES.join(', ') }, { scope: `repository:${repository}:pull,push,delete` });
      await discard(response);
      return true;
    } catch (error) {
      if (error instanceof SignetError && error.code === 'NotFound') return false;
      throw error;
    }
  }

  // Every tag, following the Link header page by page, up to a bound.
  listTags(repository: string): Promise<string[]> {
    return this.listPages(repository, '/tags/list', 'tags', `${repository} has more than ${MAX_TAG_PAGES} pages of tags; stopped there.`);
  }

  // The registry's catalog, the same way; many registries refuse it, which is reported as it is.
  listRepositories(): Promise<string[]> {
    return this.listPages('_catalog', '', 'repositories', `The catalog has more than ${MAX_TAG_PAGES} pages; stopped there.`, 'registry:catalog:*');
  }

  private async listPages(repository: string, listing: string, field: 'tags' | 'repositories', tooMany: string, scope?: string): Promise<string[]> {
    const items: string[] = [];
    let next: string | null = `${listing}?n=1000`;
    for (let page = 0; next !== null; page++) {
      if (page >= MAX_TAG_PAGES) throw new SignetError('Unavailable', tooMany);
      const response = await this.request('GET', repository, next, { accept: 'application/json' }, { scope });
      const body = ListPageSchema.safeParse(parseJsonOrUndefined((await readCapped(response, this.options.maxManifestBytes, `the ${field} list`)).toString('utf8')));
      if (!body.success) throw new SignetError('BadInput', `The registry answered the ${field} list with something that is not a JSON object with a list of ${field}.`);
      items.push(...(body.data[field] ?? []).filter((t): t is string => typeof t === 'string'));
      next = nextPage(response.headers.get('link'), repository, listing);
    }
    return items;
  }

  private async request(method: string, repository: string, path: string | URL, headers: Record<string, string>, options: RequestOptions = {}): Promise<Answer> {
    await this.acquire();
    try {
      return await this.withRetries(() => this.authorised(method, repository, path, headers, options));
    } finally {
      this.release();
    }
  }

  private async withRetries(attempt: () => Promise<Answer>): Promise<Answer> {
    for (let tries = 0; ; tries++) {
      const response = await attempt();
      const retryable = response.status >= 500 || response.status === 429;
      if (!retryable || tries >= this.options.retries) return response.ok ? response : failWith(response);
      await discard(response);
      const after = Number(response.headers.get('retry-after'));
      await sleep(Math.min(Number.isFinite(after) && after > 0 ? after * 1000 : 200 * 2 ** tries, 2000));
    }
  }

  // One unauthenticated try; on a challenge, one authenticated try. A second 401 is an answer, not a loop.
  private async authorised(method: string, repository: string, path: string | URL, headers: Record<string, string>, options: RequestOptions): Promise<Answer> {
    const url = typeof path === 'string' ? new URL(`/v2/${repository}${path}`, this.base) : path;
    const scope = options.scope ?? `repository:${repository}:pull`;
    const cached = this.tokens.get(scope);
    const authorization = cached && cached.expires > Date.now() ? `Bearer ${cached.value}` : undefined;
    const first = await this.send(method, url, { ...headers, ...(authorization ? { authorization } : {}) }, options);
    if (first.status !== 401) return first;
    const challenge = first.headers.get('www-authenticate');
    await discard(first);
    const credential = await this.answer(challenge, scope);
    if (!credential) return first;
    return this.send(method, url, { ...headers, authorization: credential }, options);
  }

  private async answer(challenge: string | null, scope: string): Promise<string | null> {
    if (!challenge) return null;
    const scheme = challenge.trim().split(/\s+/, 1)[0]!.toLowerCase();
    const stored = await this.options.credentials?.credentialsFor(this.base.host);
    if (stored && !this.credentialsMayTravel && scheme === 'basic') {
      throw new SignetError(
        'Forbidden',
        `${this.base.host} asks for credentials over plain HTTP. Stored credentials travel in clear only to a loopback registry or to a host confirmed under System, Registries ("send my stored credentials to it in clear"); nothing was sent.`,
      );
    }
    // Over plain HTTP to a host nobody confirmed, a bearer token is asked for anonymously: the stored credentials stay here.
    const credentials = this.credentialsMayTravel ? stored : null;
    if (scheme === 'basic') {
      return credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : null;
    }
    if (scheme !== 'bearer') return null;
    const params = parseChallenge(challenge);
    if (!params.realm) throw new SignetError('BadInput', 'The registry asked for a bearer token without saying where to get one.');
    const realm = registryUrl(params.realm, undefined, 'The token service address the registry named');
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && isLoopbackHost(realm.hostname))) {
      throw new SignetError('Forbidden', `The registry sends credentials to ${realm.origin} over plain HTTP; refused.`);
    }
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credentials) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    // Requests sent together and challenged together share one token request.
    let pending = this.tokenRequests.get(realm.href);
    if (!pending) {
      pending = this.token(realm, headers, params.scope ?? scope).finally(() => this.tokenRequests.delete(realm.href));
      this.tokenRequests.set(realm.href, pending);
    }
    return pending;
  }

  private async token(realm: URL, headers: Record<string, string>, scope: string): Promise<string> {
    const response = await this.send('GET', realm, headers, {});
    if (!response.ok) {
      await discard(response);
      throw new SignetError('Unauthorized', `The token service at ${realm.host} refused (HTTP ${response.status}).`);
    }
    const parsed = TokenAnswerSchema.safeParse(parseJsonOrUndefined((await readCapped(response, 64 * 1024, 'the token answer')).toString('utf8')));
    if (!parsed.success) throw new SignetError('Unauthorized', `The token service at ${realm.host} answered with something that is not a token answer.`);
    const body = parsed.data;
    const token = body.token ?? body.access_token;
    if (!token) throw new SignetError('Unauthorized', `The token service at ${realm.host} answered without a token.`);
    this.tokens.set(scope, { value: token, expires: Date.now() + Math.min(body.expires_in ?? 60, 3600) * 1000 - 5000 });
    return `Bearer ${token}`;
  }

  // Redirects stay on the registry's own host, except blob downloads, whose bytes are checked by digest and get no credentials.
  private async send(method: string, url: URL, headers: Record<string, string>, options: RequestOptions): Promise<Answer> {
    let target = url;
    let sendHeaders = headers;
    for (let hop = 0; ; hop++) {
      this.requests++;
      const response = await exchange(method, target, sendHeaders, options.body, this.options.timeoutMs);
      if (response.status < 300 || response.status >= 400 || response.status === 304) return response;
      await discard(response);
      const location = response.headers.get('location');
      if (!location) throw new SignetError('BadInput', `${target.host} redirected without saying where.`);
      if (hop >= MAX_REDIRECTS) throw new SignetError('Unavailable', `${url.host} redirected more than ${MAX_REDIRECTS} times.`);
      const next = registryUrl(location, target, `The redirect ${target.host} sent`);
      if (next.origin !== this.base.origin) {
        if (!options.blob) throw new SignetError('Forbidden', `${url.host} redirected an API request to ${next.host}; redirects to another host are refused.`);
        if (next.protocol !== 'https:' && !isLoopbackHost(next.hostname)) throw new SignetError('Forbidden', `A blob download was redirected to plain HTTP at ${next.host}; refused.`);
        sendHeaders = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'authorization'));
      }
      target = next;
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

// One request over node:http(s), which loads in a fraction of fetch's time; the timeout covers reading the body too.
function exchange(method: string, url: URL, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number, mayRepeat = true): Promise<Answer> {
  const { request } = url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  const sized = body !== undefined || method === 'POST' || method === 'PUT' ? { 'content-length': String(body?.length ?? 0) } : {};
  return new Promise<Answer>((resolve, reject) => {
    let answer: IncomingMessage | undefined;
    let timedOut = false;
    const outgoing = request(url, { method, headers: { ...headers, ...sized } }, (incoming) => {
      answer = incoming;
      incoming.on('error', () => undefined);
      incoming.once('close', () => clearTimeout(timer));
      const status = incoming.statusCode ?? 0;
      const received: Answer = { status, ok: status >= 200 && status < 300, url, headers: { get: (name: string) => headerValue(incoming, name) }, body: incoming, timedOut: () => timedOut };
      // A HEAD answer has no body; once it is taken as read, the connection is free for the next request.
      if (method === 'HEAD') void discard(received).then(() => resolve(received));
      else resolve(received);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      const error = new RequestTimeout();
      outgoing.destroy(error);
      answer?.destroy(error);
    }, timeoutMs);
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (answer) return;
      clearTimeout(timer);
      // A kept-alive connection the server closed meanwhile is the connection's fault, not the request's: a read is sent once more.
      if (mayRepeat && outgoing.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && (method === 'GET' || method === 'HEAD')) {
        resolve(exchange(method, url, headers, body, timeoutMs, false));
        return;
      }
      reject(timedOut ? new RequestTimeout() : error);
    });
    outgoing.end(body);
  }).catch((error: unknown) => {
    throw networkError(error, url);
  });
}

function headerValue(message: IncomingMessage, name: string): string | null {
  const value = message.headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

// A small body is drained, and waited for, so the connection can carry the next request; anything larger, or of unknown length, closes it.
function discard(response: Answer): Promise<void> {
  const body = response.body;
  if (body.destroyed) return Promise.resolve();
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (!body.complete && !(Number.isFinite(length) && length <= DRAIN_LIMIT)) {
    body.destroy();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    body.once('close', resolve);
    body.resume();
  });
}

// Reads a body up to a cap; an endless or oversized body is cut off, not buffered.
async function readCapped(response: Answer, cap: number, what: string): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > cap) {
    response.body.destroy();
    throw new SignetError('BadInput', `${capitalise(what)} is ${declared} bytes, over the ${cap}-byte limit.`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > cap) throw new SignetError('BadInput', `${capitalise(what)} is over the ${cap}-byte limit; reading stopped.`);
      chunks.push(chunk);
    }
  } catch (error) {
    response.body.destroy();
    if (error instanceof SignetError) throw error;
    throw networkError(response.timedOut() ? new RequestTimeout() : error, response.url);
  }
  return Buffer.concat(chunks);
}

async function failWith(response: Answer): Promise<never> {
  await discard(response);
  const where = response.url.host;
  if (response.status === 404) throw new SignetError('NotFound', `${where} has no such manifest, blob or repository (HTTP 404).`);
  if (response.status === 401) throw new SignetError('Unauthorized', `${where} refused the credentials (HTTP 401).`);
  if (response.status === 403) throw new SignetError('Forbidden', `${where} does not allow this (HTTP 403).`);
  if (response.status === 429) throw new SignetError('Unavailable', `${where} is rate-limiting requests (HTTP 429); try again later.`);
  if (response.status >= 500) throw new SignetError('Unavailable', `${where} failed (HTTP ${response.status}) after retries.`);
  throw new SignetError('BadInput', `${where} answered HTTP ${response.status}.`);
}

function networkError(error: unknown, target: URL): SignetError {
  if (error instanceof SignetError) return error;
  const where = target.host;
  if (error instanceof RequestTimeout) return new SignetError('Timeout', `${where} did not answer in time.`);
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return new SignetError('Unavailable', `Nothing is listening at ${where}.`);
  return new SignetError('Unavailable', `${where} could not be reached (${code || (error instanceof Error ? error.message : String(error))}).`);
}

function parseChallenge(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[match[1]!.toLowerCase()] = match[2]!;
  return params;
}

// Link: </v2/repo/tags/list?n=1000&last=x>; rel="next" — only a next page of the same listing is followed.
function nextPage(link: string | null, repository: string, listing: string): string | null {
  const match = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!match) return null;
  const prefix = `/v2/${repository}`;
  const next = registryUrl(match[1]!, 'http://registry', 'The next page the registry named');
  const path = next.pathname + next.search;
  if (!path.startsWith(`${prefix}${listing}`)) throw new SignetError('BadInput', 'The registry pointed the next page of its listing somewhere else.');
  return path.slice(prefix.length);
}

// An address a registry sent is parsed without throwing: one that is not a URL is a refusal in words.
function registryUrl(text: string, base: string | URL | undefined, what: string): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new SignetError('BadInput', `${what} is not a URL.`);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
