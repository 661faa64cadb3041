import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

interface TrustedRootJson {
  tlogs?: { publicKey?: { rawBytes?: string } }[];
  certificateAuthorities?: { certChain?: { certificates?: { rawBytes?: string }[] } }[];
  timestampAuthorities?: { certChain?: { certificates?: { rawBytes?: string }[] } }[];
}

export interface CosignTrustMaterial {
  rekorKeys: KeyObject[];
  roots: X509Certificate[];
  intermediates: X509Certificate[];
  tsa: X509Certificate[];
}

function certificates(chains: { certChain?: { certificates?: { rawBytes?: string }[] } }[] | undefined): X509Certificate[][] {
  return (chains ?? []).map((ca) => (ca.certChain?.certificates ?? []).flatMap((c) => (c.rawBytes ? [new X509Certificate(Buffer.from(c.rawBytes, 'base64'))] : [])));
}

/**
 * cosign's tag-format signatures carry Fulcio certificates, Rekor entries and RFC 3161 timestamps;
 * the same trusted root that anchors sigstore bundles anchors them too, so both formats agree.
 */
export function cosignTrustFromTrustedRoot(json: unknown): CosignTrustMaterial {
  const root = (json ?? {}) as TrustedRootJson;
  const rekorKeys = (root.tlogs ?? []).flatMap((log) => {
    if (!log.publicKey?.rawBytes) return [];
    try {
      return [createPublicKey({ key: Buffer.from(log.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' })];
    } catch {
      return [];
    }
  });
  const caChains = certificates(root.certificateAuthorities);
  const tsaChains = certificates(root.timestampAuthorities);
  return {
    rekorKeys,
    roots: caChains.flatMap((chain) => chain.slice(-1)),
    intermediates: caChains.flatMap((chain) => chain.slice(0, -1)),
    tsa: tsaChains.flat(),
  };
}
