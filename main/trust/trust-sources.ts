import { X509Certificate, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import { SignetError } from '../errors.ts';
import { fingerprintOf } from '../encoding/key-encoding.ts';
import { identityConfigurationProblem, type SignerIdentity } from '../signatures/certificate-identity.ts';
import { publicKeysFromPem, type CosignTrust } from '../signatures/cosign.verifier.ts';
import type { NotationTrust } from '../signatures/notation.verifier.ts';
import type { BundlePolicy } from '../signatures/sigstore-bundle.verifier.ts';
import { publicGoodTrustedRoot } from './public-good.ts';
import { cosignTrustFromTrustedRoot } from '../signatures/trusted-root.ts';

/** Where trust comes from: files and inventory keys the user named, and whether the public-good root counts. */
/** The trust a verification uses: what the engine's options take from the trust sources. */
export interface VerifyTrust {
  keys: KeyObject[];
  cosign?: Omit<CosignTrust, 'keys'>;
  trustedRoot?: unknown;
  bundlePolicy?: BundlePolicy;
  notation?: NotationTrust;
  /** Inventory keys, so revoked and expired keys are judged by their records. */
  inventory?: KeyRecord[];
}

export interface TrustSources {
  keyFiles: string[];
  /** Inventory key ids or labels. */
  keyRefs: string[];
  /** Every inventory key not destroyed is trusted, its status then judged by its record. */
  allInventoryKeys?: boolean;
  rekorKeyFiles: string[];
  caFiles: string[];
  tsaFiles: string[];
  notationStores: string[];
  /** CRL files (PEM or DER) for Notation's offline revocation check. */
  crlFiles?: string[];
  /** The signer's subject alternative name, exactly (cosign's --certificate-identity). */
  identity?: string;
  /** A pattern the whole subject alternative name must match, instead of `identity`. */
  identityRegexp?: string;
  /** The OIDC issuer of a keyless identity, exactly. */
  issuer?: string;
  /** A pattern the whole OIDC issuer must match, instead of `issuer`. */
  issuerRegexp?: string;
  trustedRootFile?: string;
  /** Demand a transparency-log entry of key-signed signatures too. */
  requireTlog?: boolean;
  /** Sigstore's public-good root, shipped with the app; on unless the user turns it off. */
  publicGood: boolean;
}

async function certificatesIn(path: string): Promise<X509Certificate[]> {
  const read = async (file: string) => {
    const bytes = await readFile(file);
    const pems = bytes.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    return pems ? pems.map((pem) => new X509Certificate(pem)) : [new X509Certificate(bytes)];
  };
  try {
    const entries = await readdir(path);
    return (await Promise.all(entries.map((e) => read(join(path, e))))).flat();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    return read(path);
  }
}

/**
 * Notation trust stores by type, as Notation keeps them: `ca:PATH` (or a bare PATH) for certificate authorities,
 * `signingAuthority:PATH` for signing authorities, whose signatures carry their own signing time, and `tsa:PATH`.
 * A CA is never also a signing authority: that would let a signer vouch for its own time instead of a timestamp.
 */
export function notationStoreKinds(entries: string[]): { ca: string[]; signingAuthority: string[]; tsa: string[] } {
  const kinds = { ca: [] as string[], signingAuthority: [] as string[], tsa: [] as string[] };
  for (const entry of entries) {
    const match = /^(ca|signingAuthority|tsa):(.+)$/s.exec(entry);
    if (match) kinds[match[1] as keyof typeof kinds].push(match[2]!);
    else kinds.ca.push(entry);
  }
  return kinds;
}

// CRLs the user imported: each file holds PEM blocks or one DER CRL; a file that holds neither is an error, never "no CRL".
export async function readCrls(paths: string[]): Promise<Buffer[]> {
  const crls: Buffer[] = [];
  for (const path of paths) {
    const bytes = await readFile(path);
    const pems = bytes.toString('latin1').match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g);
    if (pems) crls.push(...pems.map((pem) => Buffer.from(pem.replace(/-----(BEGIN|END) X509 CRL-----|\s/g, ''), 'base64')));
    else if (bytes[0] === 0x30) crls.push(bytes);
    else throw new SignetError('BadInput', `${path} holds no certificate revocation list (PEM or DER).`);
  }
  return crls;
}

// Certificates from files or folders the user named (PEM bundles or DER), so every host reads trust files the same way.
export async function readCertificates(paths: string[]): Promise<X509Certificate[]> {
  try {
    return (await Promise.all(paths.map(certificatesIn))).flat();
  } catch (error) {
    throw new SignetError('BadInput', `The trust material cannot be read: ${(error as Error).message}`);
  }
}

// A signer identity is all or nothing: a name without its issuer, or an issuer alone, would let any signer through.
function signerIdentity(sources: TrustSources): SignerIdentity | undefined {
  const { identity, identityRegexp, issuer, issuerRegexp } = sources;
  if (identity && identityRegexp) throw new SignetError('BadInput', 'Give the signer identity exactly (--identity) or as a pattern (--identity-regexp), not both.');
  if (issuer && issuerRegexp) throw new SignetError('BadInput', 'Give the OIDC issuer exactly (--issuer) or as a pattern (--issuer-regexp), not both.');
  const named = Boolean(identity || identityRegexp);
  const issued = Boolean(issuer || issuerRegexp);
  if (issued && !named) throw new SignetError('BadInput', 'An OIDC issuer alone names no signer: anyone that issuer vouches for would pass. Give the signer identity too (--identity or --identity-regexp).');
  if (!named) return undefined;
  // A private certificate authority (--ca) may name signers without an OIDC issuer; a keyless (Fulcio) identity means nothing without one.
  if (!issued && sources.caFiles.length === 0) {
    throw new SignetError('BadInput', 'A keyless signer identity needs the OIDC issuer that vouched for it: give --issuer (or --issuer-regexp) with --identity, for example https://token.actions.githubusercontent.com for GitHub Actions or https://accounts.google.com for Google.');
  }
  const result: SignerIdentity = {
    ...(identity ? { san: identity } : { sanRegexp: identityRegexp }),
    ...(issuer ? { issuer } : issuerRegexp ? { issuerRegexp } : {}),
  };
  const problem = identityConfigurationProblem(result);
  if (problem) throw new SignetError('BadInput', problem);
  return result;
}

const readKeys = async (files: string[]): Promise<KeyObject[]> => (await Promise.all(files.map(async (f) => publicKeysFromPem(await readFile(f, 'utf8'))))).flat();

// The bundle verifier takes exact names as strings and patterns as RegExps, anchored there.
function bundleIdentity(identity: SignerIdentity): BundlePolicy {
  return {
    identity: identity.san ?? (identity.sanRegexp !== undefined ? new RegExp(identity.sanRegexp) : undefined),
    issuer: identity.issuer ?? (identity.issuerRegexp !== undefined ? new RegExp(identity.issuerRegexp) : undefined),
  };
}

// Every host (CLI, desktop, browser) turns named trust into the same engine options, so verdicts agree.
export async function loadTrust(sources: TrustSources, inventory: KeyRecord[]): Promise<VerifyTrust> {
  try {
    const keys = await readKeys(sources.keyFiles);
    for (const id of sources.keyRefs) {
      const key = inventory.find((k) => k.id === id || k.label === id);
      if (!key) throw new SignetError('NotFound', `No key ${id} in the inventory.`);
      keys.push(...publicKeysFromPem(key.publicKeyPem));
    }
    if (sources.allInventoryKeys) for (const key of inventory) keys.push(...publicKeysFromPem(key.publicKeyPem));
    const trustedRoot = sources.trustedRootFile ? (JSON.parse(await readFile(sources.trustedRootFile, 'utf8')) as unknown) : sources.publicGood ? await publicGoodTrustedRoot() : undefined;
    const fromRoot = trustedRoot ? cosignTrustFromTrustedRoot(trustedRoot) : { rekorKeys: [], roots: [], intermediates: [], tsa: [] };
    const roots = (await Promise.all(sources.caFiles.map(certificatesIn))).flat();
    const tsa = (await Promise.all(sources.tsaFiles.map(certificatesIn))).flat();
    const stores = notationStoreKinds(sources.notationStores);
    const notationCa = (await Promise.all(stores.ca.map(certificatesIn))).flat();
    const signingAuthority = (await Promise.all(stores.signingAuthority.map(certificatesIn))).flat();
    const notationTsa = (await Promise.all(stores.tsa.map(certificatesIn))).flat();
    const identity = signerIdentity(sources);
    return {
      keys,
      cosign: {
        rekorKeys: [...(await readKeys(sources.rekorKeyFiles)), ...fromRoot.rekorKeys],
        roots: [...roots, ...fromRoot.roots],
        intermediates: fromRoot.intermediates,
        tsa: [...tsa, ...fromRoot.tsa],
        requireTlog: sources.requireTlog,
        identity,
      },
      trustedRoot,
      bundlePolicy: identity ? bundleIdentity(identity) : keys[0] ? { key: { publicKey: keys[0] }, requireTlog: sources.requireTlog } : undefined,
      notation: notationCa.length || signingAuthority.length ? { ca: notationCa, signingAuthority, tsa: [...tsa, ...notationTsa], trustedIdentities: [], level: 'strict', crls: await readCrls(sources.crlFiles ?? []) } : undefined,
      inventory,
    };
  } catch (error) {
    if (error instanceof SignetError) throw error;
    throw new SignetError('BadInput', `The trust material cannot be read: ${(error as Error).message}`);
  }
}

/** How a report names the trust every host shares when nothing narrows it. */
export const CONFIGURED_TRUST = "Signet's configured trust: System › Trust, every inventory key and Signet's own certificate authority";

// A verdict is only as good as the trust behind it, so every report says in words what that trust was.
export function describeTrust(options: VerifyTrust, origin: string): string[] {
  const lines = [origin];
  const inventory = options.inventory ?? [];
  const inInventory = new Set(inventory.map((record) => record.fingerprint));
  const fromInventory = options.keys.filter((key) => inInventory.has(fingerprintOf(key.export({ type: 'spki', format: 'der' })))).length;
  if (fromInventory > 0) lines.push(`${fromInventory} inventory key(s), each judged by its record (revoked, expired)`);
  if (options.keys.length > fromInventory) lines.push(`${options.keys.length - fromInventory} public key(s) from files`);
  const cosign = options.cosign;
  if (cosign?.roots.length) lines.push(`${cosign.roots.length} certificate root(s) for cosign and sigstore signatures`);
  if (cosign?.identity) lines.push(`keyless signer ${cosign.identity.san ?? (cosign.identity.sanRegexp ? `matching ${String(cosign.identity.sanRegexp)}` : undefined) ?? cosign.identity.email ?? cosign.identity.hostname ?? ''}${cosign.identity.issuer ? ` from ${String(cosign.identity.issuer)}` : cosign.identity.issuerRegexp ? ` from issuers matching ${String(cosign.identity.issuerRegexp)}` : ''}`);
  if (options.trustedRoot) lines.push('a sigstore trusted root (transparency logs, Fulcio, timestamp authorities)');
  if (cosign?.rekorKeys.length) lines.push(`${cosign.rekorKeys.length} Rekor key(s)`);
  if (cosign?.tsa?.length) lines.push(`${cosign.tsa.length} timestamp authority certificate(s)`);
  if (cosign?.requireTlog) lines.push('a transparency-log entry is required');
  if (options.notation) lines.push(`Notation trust: ${options.notation.ca.length} CA, ${options.notation.signingAuthority.length} signing-authority and ${options.notation.tsa.length} timestamp certificate(s), ${options.notation.crls?.length ?? 0} CRL(s), level ${options.notation.level}`);
  if (lines.length === 1) lines.push('nothing: no key, root or store is trusted, so nothing can verify');
  return lines;
}
