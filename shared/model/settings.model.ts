import { z } from 'zod';
import { isLoopbackHost } from './loopback-host.ts';

export { isLoopbackHost };

// Shared code has neither the DOM nor Node, so the few URL parts the rules need are read here.
export function splitUrl(url: string): { scheme: string; userinfo: string; hostname: string } {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url);
  return { scheme: match?.[1]?.toLowerCase() ?? '', userinfo: match?.[2] ?? '', hostname: match?.[3] ?? '' };
}

/** An absolute file-system path on Linux, macOS or Windows, with no control characters. */
export const AbsolutePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => ![...p].some((c) => c.charCodeAt(0) < 0x20), 'path contains control characters')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'path must be absolute');

/** The short name a registry or a layout goes by in the settings and on screen. */
const ConfigNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dot, dash and underscore');

// A host with an optional port and path, as people write a registry without its scheme.
const BARE_ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d{1,5})?(?:\/\S*)?$/;

/** Reads `127.0.0.1:5055` or `registry.example.com` as the address it means: plain HTTP for loopback, HTTPS otherwise. */
export function normalizeRegistryAddress(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return value;
  const match = BARE_ADDRESS.exec(text);
  if (!match?.[1]) return value;
  return `${isLoopbackHost(match[1]) ? 'http' : 'https'}://${text}`;
}

export const RegistryConfigSchema = z
  .object({
    name: ConfigNameSchema,
    url: z.preprocess(normalizeRegistryAddress, z.url({ protocol: /^https?$/ }).max(2048)),
    insecure: z.boolean().default(false),
  })
  .strict()
  .superRefine((registry, ctx) => {
    const url = splitUrl(registry.url);
    if (url.userinfo) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'credentials do not belong in the registry URL' });
    }
    if (url.scheme === 'http' && !registry.insecure && !isLoopbackHost(url.hostname)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'plain HTTP is allowed only for loopback registries or registries marked insecure',
      });
    }
  });
export type RegistryConfig = z.infer<typeof RegistryConfigSchema>;

export const Pkcs11ModuleConfigSchema = z
  .object({
    path: AbsolutePathSchema,
    label: z.string().min(1).max(64).optional(),
  })
  .strict();
export type Pkcs11ModuleConfig = z.infer<typeof Pkcs11ModuleConfigSchema>;

function uniqueBy<T>(key: (item: T) => string, what: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    for (const [index, item] of items.entries()) {
      const k = key(item);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate ${what}: ${k}` });
      seen.add(k);
    }
  };
}

const Pkcs11ModuleListSchema = z
  .array(Pkcs11ModuleConfigSchema)
  .max(32)
  .superRefine(uniqueBy((m) => m.path, 'module path'));
const RegistryListSchema = z
  .array(RegistryConfigSchema)
  .max(64)
  .superRefine(uniqueBy((r) => r.name, 'registry name'));
const ToolDirListSchema = z.array(AbsolutePathSchema).max(16);

/** A registry host (with its port, as in an image reference) whose stored credentials may cross plain HTTP. */
export const RegistryHostSchema = z
  .string()
  .min(1)
  .max(261)
  .regex(/^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/, 'a lower-case host name or address, with an optional port');
const CleartextHostListSchema = z
  .array(RegistryHostSchema)
  .max(64)
  .superRefine(uniqueBy((h) => h, 'host'));

/** An OCI image-layout folder on disk (as `skopeo copy ... oci:DIR` writes it), browsable like a registry. */
export const LayoutConfigSchema = z
  .object({
    name: ConfigNameSchema,
    path: AbsolutePathSchema,
  })
  .strict();
export type LayoutConfig = z.infer<typeof LayoutConfigSchema>;
const LayoutListSchema = z
  .array(LayoutConfigSchema)
  .max(64)
  .superRefine(uniqueBy((l) => l.name, 'layout name'));

const TrustFileListSchema = z.array(AbsolutePathSchema).max(64);

/** A Notation trust store: an absolute path, typed `ca:` (the default), `signingAuthority:` or `tsa:` as Notation's stores are. */
const NotationStoreSchema = z.string().refine((entry) => AbsolutePathSchema.safeParse(entry.replace(/^(ca|signingAuthority|tsa):/, '')).success, 'a Notation trust store is an absolute path, optionally typed as ca:, signingAuthority: or tsa:');

/**
 * What the inspector trusts besides the inventory's own keys: public-key files, certificate roots,
 * Rekor keys, timestamp authorities, Notation trust stores, a sigstore trusted root, and a signer identity.
 */
export const TrustSettingsSchema = z
  .object({
    keyFiles: TrustFileListSchema.default([]),
    caFiles: TrustFileListSchema.default([]),
    rekorKeyFiles: TrustFileListSchema.default([]),
    tsaFiles: TrustFileListSchema.default([]),
    notationStores: z.array(NotationStoreSchema).max(64).default([]),
    /** Certificate revocation lists (PEM or DER) the user imported, for checking Notation chains offline. */
    crlFiles: TrustFileListSchema.default([]),
    trustedRootFile: AbsolutePathSchema.nullable().default(null),
    publicGood: z.boolean().default(true),
    identity: z.string().max(512).nullable().default(null),
    issuer: z.string().max(512).nullable().default(null),
    requireTlog: z.boolean().default(false),
  })
  .strict();
export type TrustSettings = z.infer<typeof TrustSettingsSchema>;

/** A repository scope (a glob such as `ghcr.io/acme/*`) and the only keys allowed to sign in it. */
export const SigningRuleSchema = z
  .object({
    scope: z.string().min(1).max(512).regex(/^[A-Za-z0-9._:/*?@-]+$/, 'a repository glob'),
    keyIds: z.array(z.string().regex(/^k-[0-9a-f]{16}$/)).min(1).max(64),
  })
  .strict();
export type SigningRule = z.infer<typeof SigningRuleSchema>;

/** How Signet signs: the timestamp authority it may ask, and which keys may sign where. */
export const SigningSettingsSchema = z
  .object({
    tsaUrl: z.url({ protocol: /^https?$/ }).max(2048).nullable().default(null),
    rules: z.array(SigningRuleSchema).max(256).default([]),
  })
  .strict();
export type SigningSettings = z.infer<typeof SigningSettingsSchema>;

export const SettingsSchema = z
  .object({
    version: z.literal(1),
    pkcs11Modules: Pkcs11ModuleListSchema,
    registries: RegistryListSchema,
    toolDirs: ToolDirListSchema,
    layouts: LayoutListSchema.default([]),
    trust: TrustSettingsSchema.default(TrustSettingsSchema.parse({})),
    signing: SigningSettingsSchema.default(SigningSettingsSchema.parse({})),
    /** Registry hosts a person confirmed, through main's own channel, may receive stored credentials over plain HTTP. */
    cleartextCredentialHosts: CleartextHostListSchema.default([]),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

/** Each list given replaces the stored one; lists left out stay as they are. */
export const SettingsPatchSchema = z
  .object({
    pkcs11Modules: Pkcs11ModuleListSchema.optional(),
    registries: RegistryListSchema.optional(),
    toolDirs: ToolDirListSchema.optional(),
    layouts: LayoutListSchema.optional(),
    trust: TrustSettingsSchema.optional(),
    signing: SigningSettingsSchema.optional(),
    cleartextCredentialHosts: CleartextHostListSchema.optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

/**
 * The settings that choose what main runs, loads, or sends in clear: tool folders, PKCS#11 modules and the
 * hosts that may receive credentials over plain HTTP. They change only after a confirmation main asks itself.
 */
export const ProtectedSettingsPatchSchema = z
  .object({
    toolDirs: ToolDirListSchema.optional(),
    pkcs11Modules: Pkcs11ModuleListSchema.optional(),
    cleartextCredentialHosts: CleartextHostListSchema.optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one of toolDirs, pkcs11Modules, cleartextCredentialHosts');
export type ProtectedSettingsPatch = z.infer<typeof ProtectedSettingsPatchSchema>;


export { DEFAULT_SETTINGS } from './settings.defaults.ts';
