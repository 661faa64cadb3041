import { z } from 'zod';
import { AppErrorSchema } from '../errors.ts';

export const HostKindSchema = z.enum(['electron', 'web', 'cli']);
export type HostKind = z.infer<typeof HostKindSchema>;

export const VersionsSchema = z
  .object({
    signet: z.string(),
    node: z.string(),
    electron: z.string().nullable(),
    chrome: z.string().nullable(),
    platform: z.string(),
    arch: z.string(),
    host: HostKindSchema,
  })
  .strict();

export const TokenStatusSchema = z
  .object({
    label: z.string(),
    manufacturer: z.string(),
    model: z.string(),
    serial: z.string(),
    initialized: z.boolean(),
    loginRequired: z.boolean(),
    userPinInitialized: z.boolean(),
    userPinCountLow: z.boolean(),
    userPinFinalTry: z.boolean(),
    userPinLocked: z.boolean(),
    soPinLocked: z.boolean(),
    writeProtected: z.boolean(),
  })
  .strict();
export type TokenStatus = z.infer<typeof TokenStatusSchema>;

export const SlotStatusSchema = z
  .object({
    slotId: z.string(),
    description: z.string(),
    manufacturer: z.string(),
    tokenPresent: z.boolean(),
    removable: z.boolean(),
    hardware: z.boolean(),
    token: TokenStatusSchema.nullable(),
  })
  .strict();
export type SlotStatus = z.infer<typeof SlotStatusSchema>;

export const Pkcs11ModuleKindSchema = z.enum(['softhsm', 'tpm2', 'opensc', 'other']);

export const Pkcs11ModuleStatusSchema = z
  .object({
    path: z.string(),
    label: z.string().nullable(),
    source: z.enum(['detected', 'configured']),
    kind: Pkcs11ModuleKindSchema,
    loaded: z.boolean(),
    library: z
      .object({
        manufacturer: z.string(),
        description: z.string(),
        cryptokiVersion: z.string(),
        libraryVersion: z.string(),
      })
      .strict()
      .nullable(),
    slots: z.array(SlotStatusSchema),
    error: AppErrorSchema.nullable(),
  })
  .strict();
export type Pkcs11ModuleStatus = z.infer<typeof Pkcs11ModuleStatusSchema>;

export const KeychainStatusSchema = z
  .object({
    backend: z.enum(['secret-service', 'macos-keychain', 'windows-credential-manager', 'unsupported']),
    available: z.boolean(),
    detail: z.string(),
    error: AppErrorSchema.nullable(),
  })
  .strict();
export type KeychainStatus = z.infer<typeof KeychainStatusSchema>;

export const RegistryStatusSchema = z
  .object({
    name: z.string(),
    url: z.string(),
    reachable: z.boolean(),
    auth: z.enum(['anonymous', 'bearer', 'basic', 'other']).nullable(),
    apiVersion: z.string().nullable(),
    latencyMs: z.number().nonnegative().nullable(),
    error: AppErrorSchema.nullable(),
  })
  .strict();
export type RegistryStatus = z.infer<typeof RegistryStatusSchema>;

export const ToolStatusSchema = z
  .object({
    name: z.string(),
    purpose: z.string(),
    found: z.boolean(),
    path: z.string().nullable(),
    version: z.string().nullable(),
    error: AppErrorSchema.nullable(),
  })
  .strict();
export type ToolStatus = z.infer<typeof ToolStatusSchema>;

export const NoticeSchema = z
  .object({ level: z.enum(['info', 'warning']), message: z.string() })
  .strict();
export type Notice = z.infer<typeof NoticeSchema>;

export const SystemStatusSchema = z
  .object({
    checkedAt: z.iso.datetime(),
    versions: VersionsSchema,
    pkcs11Modules: z.array(Pkcs11ModuleStatusSchema),
    keychain: KeychainStatusSchema,
    registries: z.array(RegistryStatusSchema),
    tools: z.array(ToolStatusSchema),
    notices: z.array(NoticeSchema),
  })
  .strict();
export type SystemStatus = z.infer<typeof SystemStatusSchema>;

/** Main is asking for a token's PIN outside the page (the host's terminal, or Signet's own PIN window); PINs never reach the page. */
export const PinRequestSchema = z
  .object({
    tokenLabel: z.string().max(256),
    where: z.enum(['terminal', 'window']),
    asking: z.boolean(),
  })
  .strict();
export type PinRequest = z.infer<typeof PinRequestSchema>;
