import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChainReport, Verdict } from '../../shared/model/chain.model.ts';
import type { AppContext } from '../app/app.context.ts';
import { SignetError } from '../errors.ts';
import { resolveImageTarget } from '../images/image-target.ts';
import { VerifyEngine } from '../images/verify.engine.ts';
import { publicKeysFromPem } from '../signatures/cosign.verifier.ts';

type Values = Record<string, string | boolean | string[] | undefined>;

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);

async function certificatesIn(path: string): Promise<X509Certificate[]> {
  const read = async (file: string) => {
    const bytes = await readFile(file);
    const pems = bytes.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    return pems ? pems.map((pem) => new X509Certificate(pem)) : [new X509Certificate(bytes)];
  };
  try {
    const entries = await readdir(path);
    return (await Promise.all(entries.map((e) => read(join(path, e))))).flat();
  } catch {
    return read(path);
  }
}

// Trust comes only from what the user names: key files, inventory keys, roots, stores.
export async function verifyImage(app: AppContext, image: string, v: Values): Promise<ChainReport> {
  const settings = await app.settings.get();
  const target = resolveImageTarget(image, settings, { insecure: v.insecure === true, cacheDir: join(app.dataDir, 'cache'), credentials: app.registryCredentials });
  const inventory = await app.keys.list();
  const keys = [];
  for (const file of list(v.key)) keys.push(...publicKeysFromPem(await readFile(file, 'utf8')));
  for (const id of list(v.keyref)) {
    const key = inventory.find((k) => k.id === id || k.label === id);
    if (!key) throw new SignetError('NotFound', `No key ${id} in the inventory.`);
    keys.push(...publicKeysFromPem(key.publicKeyPem));
  }
  const rekorKeys = (await Promise.all(list(v['rekor-key']).map(async (f) => publicKeysFromPem(await readFile(f, 'utf8'))))).flat();
  const roots = (await Promise.all(list(v.ca).map(certificatesIn))).flat();
  const identity = typeof v.identity === 'string' ? v.identity : undefined;
  const issuer = typeof v.issuer === 'string' ? v.issuer : undefined;
  const notationCertificates = (await Promise.all(list(v['notation-store']).map(certificatesIn))).flat();
  return new VerifyEngine(target.source).verify(target.repository, target.reference, {
    reference: target.display,
    keys,
    cosign: { rekorKeys, roots, intermediates: [], identity: identity || issuer ? { email: identity?.includes('@') ? identity : undefined, oidcIssuer: issuer } : undefined },
    trustedRoot: typeof v['trusted-root'] === 'string' ? (JSON.parse(await readFile(v['trusted-root'], 'utf8')) as unknown) : undefined,
    bundlePolicy: identity ? { identity, issuer } : keys[0] ? { key: { publicKey: keys[0] } } : undefined,
    notation: notationCertificates.length ? { ca: notationCertificates, signingAuthority: notationCertificates, tsa: [], trustedIdentities: [], level: 'strict' } : undefined,
    inventory,
  });
}

const MARKS: Record<Verdict, string> = { verified: '✓ verified', failed: '✗ failed', untrusted: '✗ untrusted', revoked: '✗ revoked', expired: '✗ expired', unsigned: '! unsigned', 'not-checked': '- not checked' };

export function verdictWord(verdict: Verdict): string {
  return MARKS[verdict];
}

// The chain as an indented tree, every node with its verdict and reason.
export function formatTree(report: ChainReport): string {
  const children = new Map<string, { to: string; label: string }[]>();
  for (const edge of report.edges) children.set(edge.from, [...(children.get(edge.from) ?? []), { to: edge.to, label: edge.label }]);
  const byId = new Map(report.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  const walk = (id: string, prefix: string, label: string | null, last: boolean, depth: number) => {
    const node = byId.get(id);
    if (!node) return;
    const branch = depth === 0 ? '' : `${prefix}${last ? '└─' : '├─'} `;
    lines.push(`${branch}${label ? `${label}: ` : ''}${node.label} [${verdictWord(node.verdict)}]${node.kind === 'reference' ? '' : ` ${node.reason}`}`);
    const next = children.get(id) ?? [];
    next.forEach((child, index) => walk(child.to, depth === 0 ? '' : `${prefix}${last ? '   ' : '│  '}`, child.label, index === next.length - 1, depth + 1));
  };
  walk('reference', '', null, true, 0);
  return lines.join('\n');
}
