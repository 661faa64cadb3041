// RFC 5280-style certification path validation that fails closed, with the Notary Project leaf rules for
// code-signing and time-stamping certificates. Every X.509 chain Signet trusts goes through here.
import type { X509Certificate } from 'node:crypto';
import { certificateParts, decodeOid, derStrictChildren, derStrictItem, type CertificateParts } from '../encoding/der.ts';

/**
 * codeSigning: the Notary Project's rules; sigstoreCodeSigning: Go's crypto/x509 with the codeSigning extended key usage,
 * as cosign checks Fulcio certificates and containers/image checks private-PKI signers; timeStamping: RFC 3161 signers.
 */
export type LeafPurpose = 'codeSigning' | 'sigstoreCodeSigning' | 'timeStamping' | 'any';

export interface PathOptions {
  /** Trust anchors. */
  anchors: X509Certificate[];
  /** Untrusted pool to build the path from (the envelope's chain, a cosign chain annotation, ...). */
  intermediates?: X509Certificate[];
  /** The trusted signing time: every certificate in the path, anchor included, must be valid then. */
  at: Date;
  /** Extended key usage the leaf must allow. */
  purpose: LeafPurpose;
  /** The leaf itself may be one of the anchors (Notation signingAuthority store, an explicitly trusted self-signed leaf); default false. */
  allowLeafAnchor?: boolean;
  /** Most certificates allowed above the leaf, anchor included; default 8. */
  maxDepth?: number;
}

/** path: leaf first, up to the anchor as far as built; reason: plain words. */
export type PathResult = { ok: boolean; path: X509Certificate[]; reason: string };

const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
};

const EKU = {
  any: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
};

const EKU_NAMES: Record<string, string> = {
  [EKU.any]: 'anyExtendedKeyUsage',
  [EKU.serverAuth]: 'serverAuth',
  [EKU.clientAuth]: 'clientAuth',
  [EKU.codeSigning]: 'codeSigning',
  [EKU.emailProtection]: 'emailProtection',
  [EKU.timeStamping]: 'timeStamping',
  [EKU.ocspSigning]: 'OCSPSigning',
};

/** Extensions this validator acts on, or that only inform (key identifiers, alternative names checked by the caller's identity rules). */
const UNDERSTOOD = new Set(Object.values(OID));

/** Signature algorithms no longer trusted to bind a certificate to its issuer (MD2, MD5, SHA-1). */
const WEAK_SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.3.14.3.2.29': 'sha1WithRSASignature',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
};

// keyUsage bits, RFC 5280 4.2.1.3.
const KU = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3, keyAgreement: 4, keyCertSign: 5, cRLSign: 6, encipherOnly: 7, decipherOnly: 8 };
const KU_NAMES = Object.keys(KU);

/** The Notary Project's signing key requirements (notation-core-go ExtractKeySpec). */
const RSA_SIZES = [2048, 3072, 4096];
const EC_CURVES = ['prime256v1', 'secp384r1', 'secp521r1'];

interface Facts {
  cert: X509Certificate;
  parts: CertificateParts;
  /** null when basicConstraints is absent. */
  ca: boolean | null;
  pathLen: number | null;
  keyUsage: Set<number> | null;
  keyUsageCritical: boolean;
  eku: string[] | null;
  ekuCritical: boolean;
}

// A certificate as reasons name it: its subject, or for an empty subject (Fulcio) its alternative name, else its serial.
export function certificateName(cert: X509Certificate): string {
  const subject = (cert.subject ?? '').replace(/\n/g, ', ');
  if (subject) return subject;
  return cert.subjectAltName ? `subject alternative name ${cert.subjectAltName}` : `serial ${cert.serialNumber}`;
}

const label = (cert: X509Certificate) => `"${certificateName(cert)}"`;

function parseBasicConstraints(value: Buffer): { ca: boolean; pathLen: number | null } {
  const fields = derStrictChildren(derStrictItem(value));
  let at = 0;
  let ca = false;
  if (fields[at]?.tag === 0x01) {
    const flag = fields[at++]!.content;
    if (flag.length !== 1 || (flag[0] !== 0 && flag[0] !== 0xff)) throw new Error('basicConstraints cA is not a DER BOOLEAN');
    ca = flag[0] === 0xff;
  }
  let pathLen: number | null = null;
  if (fields[at]?.tag === 0x02) {
    const digits = fields[at++]!.content;
    if (digits.length === 0 || digits.length > 4 || (digits[0]! & 0x80) !== 0) throw new Error('basicConstraints pathLenConstraint is not a small non-negative INTEGER');
    pathLen = digits.reduce((n, byte) => n * 256 + byte, 0);
  }
  if (at !== fields.length) throw new Error('basicConstraints has unexpected fields');
  return { ca, pathLen };
}

function parseKeyUsage(value: Buffer): Set<number> {
  const item = derStrictItem(value);
  if (item.tag !== 0x03 || item.content.length < 1 || item.content[0]! > 7) throw new Error('keyUsage is not a BIT STRING');
  const bits = new Set<number>();
  const bytes = item.content.subarray(1);
  for (let bit = 0; bit < bytes.length * 8 - item.content[0]!; bit++) if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) bits.add(bit);
  return bits;
}

function parseExtKeyUsage(value: Buffer): string[] {
  const items = derStrictChildren(derStrictItem(value));
  if (items.length === 0) throw new Error('extendedKeyUsage is empty');
  return items.map((item) => {
    if (item.tag !== 0x06) throw new Error('extendedKeyUsage holds something other than an OID');
    return decodeOid(item.content);
  });
}

function readFacts(cert: X509Certificate): Facts {
  const parts = certificateParts(cert.raw);
  const ext = (oid: string) => parts.extensions.find((e) => e.oid === oid);
  const bc = ext(OID.basicConstraints);
  const ku = ext(OID.keyUsage);
  const eku = ext(OID.extKeyUsage);
  const constraints = bc ? parseBasicConstraints(bc.value) : null;
  return {
    cert,
    parts,
    ca: constraints ? constraints.ca : null,
    pathLen: constraints ? constraints.pathLen : null,
    keyUsage: ku ? parseKeyUsage(ku.value) : null,
    keyUsageCritical: ku?.critical ?? false,
    eku: eku ? parseExtKeyUsage(eku.value) : null,
    ekuCritical: eku?.critical ?? false,
  };
}

const validAt = (cert: X509Certificate, at: Date) => Date.parse(cert.validFrom) <= at.getTime() && at.getTime() <= Date.parse(cert.validTo);

function validity(facts: Facts, at: Date, role: string): string | null {
  const { cert } = facts;
  if (Number.isNaN(at.getTime())) return 'No valid time was given to check the certificates at.';
  if (validAt(cert, at)) return null;
  const when = at.getTime() < Date.parse(cert.validFrom) ? 'not yet valid' : 'expired';
  return `The ${role} ${label(cert)} was ${when} at ${at.toISOString()} (valid ${new Date(cert.validFrom).toISOString()} to ${new Date(cert.validTo).toISOString()}).`;
}

function criticalProblem(facts: Facts, role: string): string | null {
  const unknown = facts.parts.extensions.filter((e) => e.critical && !UNDERSTOOD.has(e.oid)).map((e) => e.oid);
  return unknown.length ? `The ${role} ${label(facts.cert)} has a critical extension this verifier does not process (${unknown.join(', ')}), so it is refused.` : null;
}

function issuerProblem(facts: Facts, below: number, purpose: LeafPurpose, role: string, nextPurposeOid: string | null): string | null {
  const name = `The ${role} ${label(facts.cert)}`;
  if (facts.ca !== true) return `${name} issues a certificate but is not a CA (${facts.ca === null ? 'it has no basicConstraints' : 'its basicConstraints say cA false'}).`;
  if (facts.pathLen !== null && facts.pathLen < below) return `${name} allows ${facts.pathLen} intermediate certificate(s) below it (pathLenConstraint), but the path has ${below}.`;
  if (facts.keyUsage === null && purpose === 'codeSigning') return `${name} has no keyUsage extension, which the Notary Project requires of every CA certificate in a code-signing chain.`;
  if (facts.keyUsage !== null && !facts.keyUsage.has(KU.keyCertSign)) return `${name} is not allowed to sign certificates (its keyUsage lacks keyCertSign).`;
  if (purpose === 'codeSigning' && !facts.keyUsageCritical) return `${name} has a keyUsage extension that is not marked critical, which the Notary Project requires.`;
  if (nextPurposeOid && facts.eku && !facts.eku.includes(EKU.any) && !facts.eku.includes(nextPurposeOid)) {
    return `${name} restricts its extended key usage to ${facts.eku.map((o) => EKU_NAMES[o] ?? o).join(', ')}, which does not include ${EKU_NAMES[nextPurposeOid]}.`;
  }
  return null;
}

function keySpecProblem(cert: X509Certificate): string | null {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' && RSA_SIZES.includes(details.modulusLength ?? 0)) return null;
  if (key.asymmetricKeyType === 'ec' && EC_CURVES.includes(details.namedCurve ?? '')) return null;
  return `its key (${key.asymmetricKeyType ?? 'unknown'}${details.namedCurve ? ` ${details.namedCurve}` : details.modulusLength ? ` ${details.modulusLength}` : ''}) is not RSA 2048/3072/4096 or ECDSA P-256/P-384/P-521`;
}

// notation-core-go ValidateCodeSigningCertChain / ValidateTimestampingCertChain leaf rules, plus the purpose's EKU.
function leafProblem(facts: Facts, purpose: LeafPurpose): string | null {
  const name = `The signing certificate ${label(facts.cert)}`;
  const ku = facts.keyUsage;
  if (purpose === 'any' || purpose === 'sigstoreCodeSigning') {
    if (ku && !ku.has(KU.digitalSignature)) return `${name} is not allowed to make digital signatures (its keyUsage lacks digitalSignature).`;
    if (purpose === 'sigstoreCodeSigning' && facts.eku && !facts.eku.includes(EKU.codeSigning) && !facts.eku.includes(EKU.any)) {
      return `${name} does not allow code signing (its extended key usage is ${facts.eku.map((o) => EKU_NAMES[o] ?? o).join(', ')}).`;
    }
    return null;
  }
  const what = purpose === 'codeSigning' ? 'code-signing' : 'time-stamping';
  if (facts.ca === true) return `${name} is a CA certificate (basicConstraints cA true), which a ${what} certificate must not be.`;
  if (!ku) return `${name} has no keyUsage extension, which a ${what} certificate must have.`;
  if (purpose === 'codeSigning' && !facts.keyUsageCritical) return `${name} has a keyUsage extension that is not marked critical, which a code-signing certificate must have.`;
  if (!ku.has(KU.digitalSignature)) return `${name} is not allowed to make digital signatures (its keyUsage lacks digitalSignature).`;
  const extra = [...ku].filter((bit) => bit !== KU.digitalSignature && bit !== KU.nonRepudiation).map((bit) => KU_NAMES[bit] ?? `bit ${bit}`);
  if (extra.length) return `${name} has keyUsage ${extra.join(', ')}; a ${what} certificate may only have digitalSignature (and nonRepudiation).`;
  const eku = facts.eku;
  if (purpose === 'codeSigning') {
    if (eku) {
      const excluded = eku.filter((oid) => [EKU.serverAuth, EKU.clientAuth, EKU.emailProtection, EKU.timeStamping, EKU.ocspSigning].includes(oid));
      if (excluded.length) return `${name} has extended key usage ${excluded.map((o) => EKU_NAMES[o]).join(', ')}, which a code-signing certificate must not have.`;
      if (!eku.includes(EKU.codeSigning)) return `${name} does not allow code signing (its extended key usage is ${eku.map((o) => EKU_NAMES[o] ?? o).join(', ')}).`;
    }
  } else {
    if (!eku || eku.length !== 1 || eku[0] !== EKU.timeStamping) return `${name} must have timeStamping as its only extended key usage (RFC 3161 2.3)${eku ? `, not ${eku.map((o) => EKU_NAMES[o] ?? o).join(', ')}` : ''}.`;
    if (!facts.ekuCritical) return `${name} has an extended key usage extension that is not marked critical, which RFC 3161 requires of a time-stamping certificate.`;
  }
  const key = keySpecProblem(facts.cert);
  return key ? `${name} cannot sign: ${key}.` : null;
}

// Every check on a complete path, leaf first; the first problem found is the answer.
function checkPath(path: Facts[], options: PathOptions): string | null {
  const purposeOid = options.purpose === 'codeSigning' || options.purpose === 'sigstoreCodeSigning' ? EKU.codeSigning : options.purpose === 'timeStamping' ? EKU.timeStamping : null;
  const last = path.length - 1;
  const role = (i: number) => (i === 0 ? 'signing certificate' : i === last ? 'trust anchor' : 'intermediate certificate');
  for (let i = 0; i <= last; i++) {
    const problem = validity(path[i]!, options.at, role(i)) ?? criticalProblem(path[i]!, role(i));
    if (problem) return problem;
  }
  for (let i = 0; i < last; i++) {
    const weak = WEAK_SIGNATURES[path[i]!.parts.signatureAlgorithmOid];
    if (weak) return `The ${role(i)} ${label(path[i]!.cert)} is signed with ${weak}, which is no longer trusted.`;
  }
  for (let i = 1; i <= last; i++) {
    const problem = issuerProblem(path[i]!, i - 1, options.purpose, role(i), purposeOid);
    if (problem) return problem;
  }
  return leafProblem(path[0]!, options.purpose);
}

/**
 * Builds a path from the leaf through the untrusted pool to a trust anchor and validates it: names chain and
 * every link's signature verifies; every issuer is a CA within its path length and allowed to sign certificates;
 * the leaf suits the purpose; every certificate, anchor included, is valid at `at`; any critical extension not
 * understood refuses. Anything not proven is a failure with the reason in plain words.
 */
export function validateCertificatePath(leaf: X509Certificate, options: PathOptions): PathResult {
  const maxDepth = options.maxDepth ?? 8;
  const cache = new Map<X509Certificate, Facts | string>();
  const facts = (cert: X509Certificate): Facts | string => {
    let known = cache.get(cert);
    if (!known) {
      try {
        known = readFacts(cert);
      } catch (error) {
        known = `The certificate ${label(cert)} cannot be read: ${(error as Error).message}.`;
      }
      cache.set(cert, known);
    }
    return known;
  };
  const isAnchor = (cert: X509Certificate) => options.anchors.some((anchor) => anchor.raw.equals(cert.raw));
  const leafFacts = facts(leaf);
  if (typeof leafFacts === 'string') return { ok: false, path: [leaf], reason: leafFacts };
  if (options.anchors.length === 0) return { ok: false, path: [leaf], reason: 'No trust anchor is configured, so no certificate can be trusted.' };

  if (options.allowLeafAnchor && isAnchor(leaf)) {
    const selfIssued = leafFacts.parts.issuerDer.equals(leafFacts.parts.subjectDer);
    if (selfIssued && !leaf.verify(leaf.publicKey)) return { ok: false, path: [leaf], reason: `The trusted certificate ${label(leaf)} names itself as issuer but its self-signature does not verify.` };
    const problem = validity(leafFacts, options.at, 'signing certificate') ?? criticalProblem(leafFacts, 'signing certificate') ?? leafProblem(leafFacts, options.purpose);
    return problem ? { ok: false, path: [leaf], reason: problem } : { ok: true, path: [leaf], reason: `The signing certificate ${label(leaf)} is itself trusted and valid at ${options.at.toISOString()}.` };
  }

  const pool = [...options.anchors, ...(options.intermediates ?? []).filter((c) => !isAnchor(c))];
  // Certificates that share a name and key can link in many orders; the search is bounded so a crafted pool cannot stall it.
  let budget = 256;
  const signedBy = (cert: X509Certificate, issuer: X509Certificate) => {
    budget--;
    return cert.verify(issuer.publicKey);
  };
  const failure: { best: PathResult | null } = { best: null };
  const remember = (result: PathResult) => {
    if (!failure.best || result.path.length > failure.best.path.length) failure.best = result;
  };

  const extend = (path: Facts[]): PathResult | null => {
    const current = path.at(-1)!;
    const certs = path.map((f) => f.cert);
    if (budget <= 0) {
      remember({ ok: false, path: certs, reason: 'The search for a path to a trust anchor was abandoned: the chain offers too many candidate issuers.' });
      return null;
    }
    if (path.length - 1 >= maxDepth) {
      remember({ ok: false, path: certs, reason: `No trust anchor was reached within ${maxDepth} certificates above the signing certificate.` });
      return null;
    }
    const named = pool.filter((c) => !path.some((p) => p.cert.raw.equals(c.raw)) && !c.raw.equals(leaf.raw)).filter((c) => {
      const f = facts(c);
      return typeof f !== 'string' && f.parts.subjectDer.equals(current.parts.issuerDer);
    });
    if (named.length === 0) {
      const selfIssued = current.parts.issuerDer.equals(current.parts.subjectDer);
      const why = path.length === 1 && isAnchor(leaf) ? `The signing certificate ${label(leaf)} is itself in the trust store, but a signing certificate is not accepted as its own trust anchor here.` : selfIssued ? `The chain ends at the self-signed ${label(current.cert)}, which is not a trust anchor.` : `No certificate among the trust anchors and the chain given is named as the issuer of ${label(current.cert)}.`;
      remember({ ok: false, path: certs, reason: why });
      return null;
    }
    const signers = named.filter((c) => budget > 0 && signedBy(current.cert, c));
    if (signers.length === 0) {
      if (current.parts.issuerDer.equals(current.parts.subjectDer) && current.cert.verify(current.cert.publicKey)) {
        remember({ ok: false, path: certs, reason: path.length === 1 && isAnchor(leaf) ? `The signing certificate ${label(leaf)} is itself in the trust store, but a signing certificate is not accepted as its own trust anchor here.` : `The chain ends at the self-signed ${label(current.cert)}, which is not a trust anchor.` });
        return null;
      }
      remember({ ok: false, path: certs, reason: `${label(current.cert)} names ${label(named[0]!)} as its issuer, but its signature does not verify with that certificate's key.` });
      return null;
    }
    signers.sort((a, b) => Number(isAnchor(b)) - Number(isAnchor(a)));
    for (const next of signers) {
      const nextFacts = facts(next) as Facts;
      const candidate = [...path, nextFacts];
      if (isAnchor(next)) {
        const problem = checkPath(candidate, options);
        const result = { ok: problem === null, path: candidate.map((f) => f.cert), reason: problem ?? `The path from ${label(leaf)} to the trust anchor ${label(next)} is valid at ${options.at.toISOString()}.` };
        if (result.ok) return result;
        remember(result);
        continue;
      }
      const found = extend(candidate);
      if (found) return found;
    }
    return null;
  };

  const found = extend([leafFacts]);
  if (found) return found;
  if (budget <= 0) return { ok: false, path: failure.best?.path ?? [leaf], reason: 'The search for a path to a trust anchor was abandoned: the chain offers too many candidate issuers.' };
  return failure.best ?? { ok: false, path: [leaf], reason: 'No path to a trust anchor was found.' };
}
