import type { Verdict } from '../../shared/model/chain.model.ts';
import type { BadgeTone } from './status-badge.tsx';

/** Every verdict has an icon and words as well as a colour, so no one has to tell colours apart. */
export const VERDICT_VIEW: Record<Verdict, { icon: string; word: string; tone: BadgeTone }> = {
  verified: { icon: '✓', word: 'verified', tone: 'ok' },
  failed: { icon: '✕', word: 'failed', tone: 'fail' },
  untrusted: { icon: '⚠', word: 'untrusted', tone: 'fail' },
  revoked: { icon: '⊘', word: 'revoked', tone: 'fail' },
  expired: { icon: '⌛', word: 'expired', tone: 'fail' },
  unsigned: { icon: '!', word: 'unsigned', tone: 'warn' },
  'not-checked': { icon: '–', word: 'not checked', tone: 'off' },
};

export const KIND_WORDS: Record<string, string> = {
  reference: 'Reference',
  index: 'Index',
  manifest: 'Platform manifest',
  signature: 'Signature',
  attestation: 'Attestation',
  signer: 'Signer',
  certificate: 'Certificate',
  tlog: 'Transparency log',
  timestamp: 'Timestamp',
  artifact: 'Artifact',
  policy: 'Policy verdict',
};
