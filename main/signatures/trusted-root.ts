import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

interface ValidityJson {
  start?: string;
  end?: string;
}

interface LogJson {
  baseUrl?: string;
  hashAlgorithm?: string;
  publicKey?: { rawBytes?: string; keyDetails?: string; validFor?: ValidityJson };
  logId?: { keyId?: string };
}

interface AuthorityJson {
  uri?: string;
  certChain?: { certificates?: { rawBytes?: string }[] };
  validFor?: ValidityJson;
}

interface TrustedRootJson {
  tlogs?: LogJson[];
  ctlogs?: LogJson[];
  certificateAuthorities?: AuthorityJson[];
  timestampAuthorities?: AuthorityJson[];
}

export interface CosignTrustMaterial {
  rekorKeys: KeyObject[];
  roots: X509Certificate[];
  intermediates: X509Certificate[];
  tsa: X509Certificate[];
}

// A log key is DER SubjectPublicKeyInfo, or for PKCS#1 RSA key details the bare RSAPublicKey.
function logKey(publicKey: NonNullable<LogJson['publicKey']>): KeyObject {
  const der = Buffer.from(publicKey.rawBytes ?? '', 'base64');
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (error) {
    if (publicKey.keyDetails?.startsWith('PKCS1_')) return createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
    throw error;
  }
}

const HASH_ALGORITHMS = new Set(['SHA2_256', 'SHA2_384', 'SHA2_512']);

const isDate = (text: unknown) => typeof text === 'string' && Number.isFinite(Date.parse(text));

function validityProblem(where: string, validFor: ValidityJson | undefined): string | null {
  if (!validFor || !isDate(validFor.start)) return `${where} has no valid validFor.start, so when it may be relied on is unknown.`;
  if (validFor.end !== undefined && !isDate(validFor.end)) return `${where} has an unreadable validFor.end.`;
  return null;
}

function logProblem(kind: 'tlogs' | 'ctlogs', log: LogJson, index: number): string | null {
  const where = `${kind}[${index}]${log.baseUrl ? ` (${log.baseUrl})` : ''}`;
  if (!log.logId?.keyId) return `${where} has no log ID.`;
  if (!log.hashAlgorithm || !HASH_ALGORITHMS.has(log.hashAlgorithm)) return `${where} names the hash algorithm ${log.hashAlgorithm ?? '(none)'}, which is not one of ${[...HASH_ALGORITHMS].join(', ')}.`;
  if (!log.publicKey?.rawBytes) return `${where} has no public key.`;
  try {
    logKey(log.publicKey);
  } catch {
    return `${where} has a public key that cannot be read.`;
  }
  return validityProblem(`${where}'s key`, log.publicKey.validFor);
}

function authorityProblem(kind: 'certificateAuthorities' | 'timestampAuthorities', authority: AuthorityJson, index: number): string | null {
  const where = `${kind}[${index}]${authority.uri ? ` (${authority.uri})` : ''}`;
  const certificates = authority.certChain?.certificates ?? [];
  if (certificates.length === 0) return `${where} has no certificates.`;
  for (const [n, certificate] of certificates.entries()) {
    try {
      if (!certificate.rawBytes) throw new Error('empty');
      new X509Certificate(Buffer.from(certificate.rawBytes, 'base64'));
    } catch {
      return `${where} certificate ${n + 1} cannot be read.`;
    }
  }
  return validityProblem(where, authority.validFor);
}

/**
 * Says what is wrong with a trusted root, or null when every entry is complete. An entry the
 * verifier would otherwise skip or half-read (a log key with no start of validity, an authority
 * with no certificates, an unknown hash) makes the whole root unusable rather than silently smaller.
 */
export function trustedRootProblem(json: unknown): string | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'The trusted root is not a JSON object.';
  const root = json as TrustedRootJson;
  for (const kind of ['tlogs', 'ctlogs', 'certificateAuthorities', 'timestampAuthorities'] as const) {
    if (root[kind] !== undefined && !Array.isArray(root[kind])) return `The trusted root's ${kind} is not a list.`;
  }
  for (const kind of ['tlogs', 'ctlogs'] as const) {
    for (const [index, log] of (root[kind] ?? []).entries()) {
      const problem = logProblem(kind, log, index);
      if (problem) return `The trusted root is malformed: ${problem}`;
    }
  }
  for (const kind of ['certificateAuthorities', 'timestampAuthorities'] as const) {
    for (const [index, authority] of (root[kind] ?? []).entries()) {
      const problem = authorityProblem(kind, authority, index);
      if (problem) return `The trusted root is malformed: ${problem}`;
    }
  }
  return null;
}

const certificates = (chains: AuthorityJson[] | undefined): X509Certificate[][] =>
  (chains ?? []).map((ca) => (ca.certChain?.certificates ?? []).map((c) => new X509Certificate(Buffer.from(c.rawBytes ?? '', 'base64'))));

/**
 * cosign's tag-format signatures carry Fulcio certificates, Rekor entries and RFC 3161 timestamps;
 * the same trusted root that anchors sigstore bundles anchors them too, so both formats agree.
 * A malformed root throws, naming the entry, instead of yielding less trust than it says.
 */
export function cosignTrustFromTrustedRoot(json: unknown): CosignTrustMaterial {
  const problem = trustedRootProblem(json);
  if (problem) throw new Error(problem);
  const root = json as TrustedRootJson;
  const rekorKeys = (root.tlogs ?? []).map((log) => logKey(log.publicKey!));
  const caChains = certificates(root.certificateAuthorities);
  const tsaChains = certificates(root.timestampAuthorities);
  return {
    rekorKeys,
    roots: caChains.flatMap((chain) => chain.slice(-1)),
    intermediates: caChains.flatMap((chain) => chain.slice(0, -1)),
    tsa: tsaChains.flat(),
  };
}
