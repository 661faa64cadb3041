import type { Verdict } from '../../shared/model/chain.model.ts';
import { ALGORITHM_NAMES, type RevocationReason } from '../../shared/model/keys.model.ts';
import { POLICY_TARGET_NAMES } from '../../shared/model/policy.model.ts';
import { FORMAT_NAMES } from '../../shared/model/signing.model.ts';
import type { LessonAction, LessonStep, SandboxView } from '../../shared/model/workshop.model.ts';
import { VERDICT_VIEW } from '../ui/verdict.ts';

const SAMPLE_WORDS: Record<string, string> = {
  web: 'the web sample image (one platform)',
  multi: 'the multi-platform sample image',
  other: 'the other sample image',
};

const TAMPER_WORDS = {
  retag: 'points its tag at a different manifest',
  'edit-manifest': 'changes its manifest after it was signed',
  'copy-signature': 'copies a signature from another image onto it',
} as const;

const REASON_WORDS: Record<RevocationReason, string> = {
  unspecified: 'no reason given',
  keyCompromise: 'the key was compromised',
  affiliationChanged: 'the holder left',
  superseded: 'it was superseded',
  cessationOfOperation: 'it is no longer used',
  privilegeWithdrawn: 'its privilege was withdrawn',
};

/** Steps whose action main asks to have confirmed, like the real signing, rotation and revocation. */
export const CONFIRMED_KINDS: ReadonlySet<LessonAction['kind']> = new Set(['sign', 'rotate', 'revoke']);

const sample = (name: string) => SAMPLE_WORDS[name] ?? `the sample image “${name}”`;

// The step's action in one sentence, so the trainer can say what is about to happen before it does.
export function actionWords(action: LessonAction): string {
  switch (action.kind) {
    case 'generate-key':
      return `Generate the sandbox key “${action.key}” (${ALGORITHM_NAMES[action.algorithm]}).`;
    case 'sign':
      return `Sign ${sample(action.image)} with the key “${action.key}” as a ${FORMAT_NAMES[action.format]}.`;
    case 'verify':
      return `Verify ${sample(action.image)} and draw its trust chain.`;
    case 'tamper':
      return `Tamper with ${sample(action.image)}: ${TAMPER_WORDS[action.how]}.`;
    case 'rotate':
      return `Rotate the key “${action.key}” to a new key “${action.as}”.`;
    case 'revoke': {
      const since = action.invalidSinceMinutesAgo === 0 ? 'from now on' : `as of ${action.invalidSinceMinutesAgo} minutes ago`;
      return `Revoke the key “${action.key}” ${since}, because ${REASON_WORDS[action.reason]}.`;
    }
    case 'require-signers':
      return `Require ${action.threshold} of ${action.keys.length} signers (${action.keys.map((k) => `“${k}”`).join(', ')}) in the sandbox policy.`;
    case 'evaluate':
      return `Evaluate ${sample(action.image)} against the sandbox policy, the way an admission controller would.`;
    case 'export-policy':
      return `Export the sandbox policy for ${POLICY_TARGET_NAMES[action.target]}.`;
  }
}

// What the lesson expects the step to show, in words; empty when the step only has to run.
export function expectWords(expect: LessonStep['expect']): string[] {
  const words: string[] = [];
  if (expect.verdict) words.push(`the chain verdict is “${verdictWord(expect.verdict)}”`);
  if (expect.policy) words.push(expect.policy === 'pass' ? 'the policy lets the image pass' : 'the policy refuses the image');
  if (expect.mentions) words.push(`the result mentions “${expect.mentions}”`);
  return words;
}

// The chain's verdict in the same words the pictures use, so the expectation and the picture read alike.
export const verdictWord = (verdict: Verdict): string => VERDICT_VIEW[verdict].word;

// Where the sandbox keeps keys and images, in words, or that it is made when a lesson starts.
export function sandboxWords(sandbox: SandboxView): { keyStore: string; imageStore: string } {
  const keyStore = sandbox.keyStore === 'softhsm' ? 'a SoftHSM token of its own' : sandbox.keyStore === 'software' ? 'software keys in the sandbox folder' : 'not made yet';
  const imageStore = sandbox.imageStore === 'registry' ? 'a registry on this machine (loopback only)' : sandbox.imageStore === 'layout' ? 'an OCI image layout in the sandbox folder' : 'not made yet';
  return { keyStore, imageStore };
}
