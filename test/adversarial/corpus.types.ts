// What every corpus hands the runner: cases on the loopback registry, each with the trust Signet and the peers use.
import type { ChainReport } from '../../shared/model/chain.model.ts';
import type { VerifyOptions } from '../../main/images/verify.engine.ts';

export type CaseFormat = 'cosign-simple-signing' | 'cosign-private-pki' | 'cosign-attestation' | 'notation' | 'sigstore-bundle';

export interface CorpusCase {
  id: string;
  /** The rule family the case belongs to, for the per-class counts and known-differences.json. */
  class: string;
  /** The rule the mutation breaks, in words; "none: ..." for a good signature. */
  rule: string;
  expected: 'pass' | 'fail';
  format: CaseFormat;
  /** Which variant of the class this is (a key type, an envelope format), so legacy peers can be asked about one. */
  variant: string;
  repository: string;
  /** A tag or a digest within the repository. */
  target: string;
  /** host/repository:tag or host/repository@digest, as a user types it. */
  reference: string;
  /** Signet's trust for this case, as the verify engine takes it. */
  signet: Omit<VerifyOptions, 'reference'>;
  /** Files the peers read their trust from: a public key, a Notation configuration folder, a trusted root. */
  peerTrust: { publicKeyFile?: string; notationHome?: string; trustedRootFile?: string; tsaChainFile?: string; pki?: PrivatePkiTrust };
  /** The predicate type a policy names: the case is judged as an attestation of that type, not as an image signature. */
  predicateType?: string;
  /** Signet's verdict read from its report, when the case is not judged by the report's own verdict (an attestation). */
  judge?: (report: ChainReport) => PeerVerdict;
}

/** A private CA as cosign 2 (--ca-roots), cosign 3 (a trusted root with that CA) and containers/image (pki) are given it. */
export interface PrivatePkiTrust {
  rootsFile: string;
  intermediatesFile: string;
  trustedRootFile: string;
  email: string;
}

export type PeerVerdict = { result: 'pass' | 'fail'; detail: string };

/** A verifier users run, called as users call it. */
export interface Peer {
  name: string;
  formats: CaseFormat[];
  /** A version kept for the legacy paths: asked only about each class's first variant. */
  legacy: boolean;
  verify(c: CorpusCase): Promise<PeerVerdict>;
}

/** Builds its cases on the registry at `registryUrl`, with scratch files in `dir`. */
export interface Corpus {
  name: string;
  build(registryUrl: string, dir: string): Promise<CorpusCase[]>;
  peers(): Peer[];
}
