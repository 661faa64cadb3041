import type { X509Certificate } from 'node:crypto';
import type { KeyRecord } from '../../shared/model/keys.model.ts';
import type { Settings } from '../../shared/model/settings.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';

/** The settings as policies read them: registries, layouts and the verification material (Rekor keys, TSAs, trusted root). */
export interface SettingsReader {
  get(): Promise<Settings>;
}

/** The key inventory, so inventory signers resolve to public keys and revoked keys stop counting. */
export interface KeyInventory {
  list(): Promise<KeyRecord[]>;
}

/** A twin pair from the recovery records: either key's signature counts as the other's, so a policy naming one accepts both as one signer. */
export interface KeyTwin {
  original: string;
  twin: string;
}

/** Signet's own certificate authority as policies see it: its root, and the CRLs that list revoked leaves. */
export interface SignetAuthority {
  rootPem(): Promise<string | null>;
  trust(): Promise<{ roots: X509Certificate[]; crls: Buffer[] }>;
}

/** The two parts of the authority service a policy reads. */
export interface AuthorityReader {
  view(): Promise<{ rootPem: string | null }>;
  trust(host: HostKind): Promise<{ roots: X509Certificate[]; crls: Buffer[] }>;
}

// The composition root binds the host once, so policy code never has to know which host asked.
export function signetAuthority(authority: AuthorityReader, host: HostKind): SignetAuthority {
  return { rootPem: async () => (await authority.view()).rootPem, trust: () => authority.trust(host) };
}
