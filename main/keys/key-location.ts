import type { KeyBackendSpec, KeyLocation } from '../../shared/model/keys.model.ts';
import type { TokenSelector } from '../platform/pkcs11.types.ts';
import type { BackupCustody, TokenLocation } from './key-backend.types.ts';

/** How a location is named and carried, read from the record alone (no session, no PIN). */
export type LocationFacts = {
  /** In confirmation facts: the token key's PKCS#11 URI, or where a software key is sealed. */
  heldIn: string;
  /** In audit entries: the token key's URI, or "software". */
  audit: string;
  /** In one-line listings: "token LABEL", or "software". */
  short: string;
} & (
  | { backup: Extract<BackupCustody, 'copy'>; token: null }
  /** The token the key is held on. */
  | { backup: Exclude<BackupCustody, 'copy'>; token: TokenLocation }
);

// The one place a record's location is put into words, so every screen, fact and audit entry names it the same way.
export function describeLocation(location: KeyLocation): LocationFacts {
  switch (location.kind) {
    case 'software':
      return { heldIn: 'software, sealed by the OS keychain', audit: 'software', short: 'software', backup: 'copy', token: null };
    case 'pkcs11':
      return { heldIn: location.uri, audit: location.uri, short: `token ${location.tokenLabel}`, backup: location.wrappable === true ? 'wrapped' : 'twin', token: location };
  }
}

// The token a key is held on, for the features only tokens have (twins, wrapping, relocation); null for a software key.
export function tokenOf(location: KeyLocation): TokenLocation | null {
  return describeLocation(location).token;
}

// Whether a key is held on this token: same module, same token label.
export function isOnToken(location: KeyLocation, token: TokenSelector): boolean {
  const held = tokenOf(location);
  return held !== null && held.modulePath === token.modulePath && held.tokenLabel === token.tokenLabel;
}

// Where a successor or a replacement of a key is made: the same location as the key.
export function specOf(location: KeyLocation): KeyBackendSpec {
  const token = tokenOf(location);
  return token ? { kind: 'pkcs11', modulePath: token.modulePath, tokenLabel: token.tokenLabel } : { kind: 'software' };
}
