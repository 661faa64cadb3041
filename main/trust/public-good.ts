import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const PUBLIC_GOOD_REPOSITORY = 'https://tuf-repo-cdn.sigstore.dev';

let cached: Promise<unknown> | undefined;

/**
 * Sigstore's public-good trusted root (Fulcio CAs, Rekor and CT log keys, the timestamp authority)
 * as it ships inside @sigstore/tuf, pinned by the lockfile, so public signatures verify offline.
 */
export function publicGoodTrustedRoot(): Promise<unknown> {
  cached ??= (async () => {
    const seedsPath = createRequire(import.meta.url).resolve('@sigstore/tuf/seeds.json');
    const seeds = JSON.parse(await readFile(seedsPath, 'utf8')) as Record<string, { targets?: Record<string, string> }>;
    const encoded = seeds[PUBLIC_GOOD_REPOSITORY]?.targets?.['trusted_root.json'];
    if (!encoded) throw new Error(`@sigstore/tuf carries no trusted_root.json for ${PUBLIC_GOOD_REPOSITORY}.`);
    return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as unknown;
  })();
  return cached;
}
