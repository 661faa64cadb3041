import { z } from 'zod';
import { AppErrorSchema, ErrorCodeSchema, type AppError, type ErrorCode } from './errors.ts';
import { ProtectedSettingsPatchSchema, SettingsPatchSchema, SettingsSchema } from './model/settings.model.ts';
import { IntentViewSchema } from './model/intent.model.ts';
import { PinRequestSchema, SystemStatusSchema } from './model/system.model.ts';
import {
  ConfirmKeyActionSchema,
  DiscoveredKeySchema,
  KeyLabelSchema,
  TokenSelectorSchema,
  ExportedFileSchema,
  GenerateKeyInputSchema,
  KeyDifferenceSchema,
  KeyIntentViewSchema,
  KeyIdSchema,
  KeyRecordSchema,
  PrepareKeyActionSchema,
  PublicKeyFormatSchema,
  RevocationSignerSchema,
} from './model/keys.model.ts';
import { AuditEntrySchema, AuditQuerySchema, AuditVerificationSchema } from './model/audit.model.ts';
import { ChainReportSchema } from './model/chain.model.ts';
import {
  AuthorityViewSchema,
  CreateAuthoritySchema,
  PrepareBulkSignSchema,
  PrepareSignSchema,
  SignIntentViewSchema,
  SignPlanSchema,
  SignProgressSchema,
  SignResultSchema,
} from './model/signing.model.ts';
import { PolicyEvaluationSchema, PolicyExportSchema, PolicyIdSchema, PolicySchema, PolicyTargetSchema } from './model/policy.model.ts';
import { ScanAlertSchema, ScanDiffSchema, ScanProgressSchema, ScanRecordSchema, ScanScheduleSchema, ScanSummarySchema, StartScanSchema } from './model/scan.model.ts';
import { BackupKeySchema, BackupManifestSchema, BackupResultSchema, CreateBackupKeySchema, DrillResultSchema, DrillStatusSchema, OpenBackupSchema, PrepareBackupSchema, RestoreResultSchema } from './model/recovery.model.ts';
import { HappenedSchema, LessonSchema, SandboxViewSchema, StepResultSchema } from './model/workshop.model.ts';
import { CompromiseAssessmentSchema, CompromiseIntentSchema, CompromiseReportSchema, CompromiseScopeSchema, PrepareCompromiseSchema } from './model/compromise.model.ts';
import { ImageStoreRefSchema, InspectInputSchema, InspectProgressSchema, RepositoryListSchema, TagListSchema } from './model/images.model.ts';

/**
 * The one IPC contract between the untrusted renderer and main. Every channel is named
 * `domain.verb`; its input is validated in main before a handler runs and its output is
 * validated again in the renderer. No channel string is written anywhere else.
 */

const NoInputSchema = z.object({}).strict();

/**
 * Every channel can answer these two: BadInput when the input is outside its schema (or a handler
 * refuses a value), Internal when main fails in a way it did not expect. The `errors` of a channel
 * name the codes it can answer besides them.
 */
export const ALWAYS_POSSIBLE_ERRORS: readonly ErrorCode[] = Object.freeze(['BadInput', 'Internal']);

/** Reading or writing the data folder: a record changed under the writer, or the store cannot open. */
const STORE = ['Conflict', 'Unavailable'] as const satisfies readonly ErrorCode[];
/** Keys and tokens: an unknown key or object, a wrong or missing PIN, a locked token or keychain, a key that may not sign now, a module not vouched for. */
const KEYS = [...STORE, 'NotFound', 'Forbidden', 'Unauthorized', 'Locked', 'Expired'] as const satisfies readonly ErrorCode[];
/** Registries and layouts: missing repositories or manifests, refused credentials, slow or absent registries, credentials in a locked keychain. */
const REGISTRY = [...STORE, 'NotFound', 'Forbidden', 'Unauthorized', 'Locked', 'Timeout'] as const satisfies readonly ErrorCode[];
/** The confirm path: an unknown, expired, used or foreign intent, a declined confirmation, a host that cannot ask. */
const CONFIRM = ['Unauthorized', 'Expired', 'Conflict', 'Forbidden', 'Cancelled', 'Unavailable'] as const satisfies readonly ErrorCode[];
/** The workshop drives a whole sandbox app (keys, registry, intents), so a step can answer anything those can. */
const SANDBOX = [...CONFIRM, ...KEYS, ...REGISTRY] as const satisfies readonly ErrorCode[];

// One channel's declared codes, each once, in the order errors.ts lists them.
function errors(...groups: (ErrorCode | readonly ErrorCode[])[]): readonly ErrorCode[] {
  const named = new Set<ErrorCode>(groups.flat());
  return Object.freeze(ErrorCodeSchema.options.filter((code) => named.has(code) && !ALWAYS_POSSIBLE_ERRORS.includes(code)));
}

/** What every entry of the contract states: a summary, the input and output schemas, and the error codes it can answer. */
export interface ChannelSpec {
  summary: string;
  input: z.ZodType;
  output: z.ZodType;
  errors: readonly ErrorCode[];
}

export const requests = {
  'system.status': {
    summary: 'What key backends, keychain, registries and tools this machine has',
    input: z.object({ refresh: z.boolean().default(false) }).strict(),
    output: SystemStatusSchema,
    errors: errors(STORE),
  },
  'tokens.create': {
    summary: 'Make a SoftHSM token with this label in Signet\'s own SoftHSM store; main asks for its SO PIN and user PIN itself, never the page',
    input: z.object({ label: z.string().trim().min(1).max(32) }).strict(),
    output: z.object({ modulePath: z.string(), tokenLabel: z.string() }).strict(),
    errors: errors(KEYS, 'Cancelled'),
  },
  'files.storeTrust': {
    summary: 'Keep a trust file the page read (a PEM key, root or CRL, base64) under the data folder once a person confirmed it where the page cannot answer, and answer the path it is kept at',
    input: z.object({ name: z.string().min(1).max(255), base64: z.string().min(1).max(1_400_000) }).strict(),
    output: z.object({ path: z.string() }).strict(),
    errors: errors(CONFIRM, STORE),
  },
  'files.choose': {
    summary: "Open the desktop app's own file dialog and answer the chosen path (null when cancelled); other hosts answer Unavailable",
    input: z.object({ title: z.string().min(1).max(120) }).strict(),
    output: z.object({ path: z.string().nullable() }).strict(),
    errors: errors('Unavailable'),
  },
  'settings.get': {
    summary: 'The stored settings',
    input: NoInputSchema,
    output: SettingsSchema,
    errors: errors(STORE),
  },
  'settings.update': {
    summary: 'Replace the given settings lists, crash-safely; tool folders, PKCS#11 modules and cleartext hosts are refused here',
    input: SettingsPatchSchema,
    output: SettingsSchema,
    errors: errors(STORE, 'Forbidden'),
  },
  'settings.prepareProtected': {
    summary: 'Ask main for an intent to change tool folders, PKCS#11 modules or cleartext credential hosts, after checking each location',
    input: ProtectedSettingsPatchSchema,
    output: IntentViewSchema,
    errors: errors(STORE, 'Forbidden'),
  },
  'settings.confirmProtected': {
    summary: "Confirm a protected settings change; main asks through its own channel, never the page's, then saves once",
    input: z.object({ intentId: z.string().min(1).max(64) }).strict(),
    output: SettingsSchema,
    errors: errors(CONFIRM, STORE, 'Forbidden'),
  },
  'keys.list': {
    summary: 'Every key in the inventory, whatever its status',
    input: NoInputSchema,
    output: z.array(KeyRecordSchema),
    errors: errors(STORE, 'NotFound'),
  },
  'keys.generate': {
    summary: 'Make a new signing key on a token or as a sealed software key',
    input: GenerateKeyInputSchema,
    output: KeyRecordSchema,
    errors: errors(KEYS),
  },
  'keys.exportPublic': {
    summary: 'The public key as PEM, cosign.pub or JWK',
    input: z.object({ keyId: KeyIdSchema, format: PublicKeyFormatSchema }).strict(),
    output: ExportedFileSchema,
    errors: errors(KEYS),
  },
  'keys.prepare': {
    summary: 'Ask main for an intent to rotate, revoke or destroy a key',
    input: PrepareKeyActionSchema,
    output: KeyIntentViewSchema,
    errors: errors(KEYS),
  },
  'keys.confirm': {
    summary: 'Confirm an intent; main asks through its own channel, then acts once',
    input: ConfirmKeyActionSchema,
    output: KeyRecordSchema,
    errors: errors(CONFIRM, KEYS),
  },
  'keys.revocationSigner': {
    summary: 'Which key signs the revocation list, and whether a list can be published now',
    input: NoInputSchema,
    output: RevocationSignerSchema,
    errors: errors(KEYS),
  },
  'keys.discover': {
    summary: 'The keys a token holds, and which of them the inventory knows',
    input: TokenSelectorSchema,
    output: z.array(DiscoveredKeySchema),
    errors: errors(KEYS),
  },
  'keys.adopt': {
    summary: 'Take a key made elsewhere on a token into the inventory',
    input: TokenSelectorSchema.extend({ objectId: z.string().regex(/^[0-9a-f]{1,128}$/), label: KeyLabelSchema }).strict(),
    output: KeyRecordSchema,
    errors: errors(KEYS),
  },
  'keys.rotationStatement': {
    summary: 'The cross-signed rotation statement of a rotated key',
    input: z.object({ keyId: KeyIdSchema }).strict(),
    output: ExportedFileSchema,
    errors: errors(KEYS),
  },
  'keys.importRevocations': {
    summary: 'Apply a revocation list signed by the designated admin key, newer than the last one accepted',
    input: z.object({ text: z.string().min(2).max(1_000_000) }).strict(),
    output: z.object({ applied: z.array(KeyIdSchema) }).strict(),
    errors: errors(KEYS),
  },
  'keys.reconcile': {
    summary: 'Differences between the inventory and what the tokens hold',
    input: NoInputSchema,
    output: z.array(KeyDifferenceSchema),
    errors: errors(KEYS),
  },
  'keys.revocations': {
    summary: 'The signed revocation list as a file',
    input: NoInputSchema,
    output: ExportedFileSchema,
    errors: errors(KEYS),
  },
  'images.inspect': {
    summary: "An image's whole trust chain, every node with its verdict and reason",
    input: InspectInputSchema,
    output: ChainReportSchema,
    errors: errors(REGISTRY, KEYS),
  },
  'images.recent': {
    summary: 'The references inspected lately, newest first',
    input: NoInputSchema,
    output: z.array(z.string()),
    errors: errors(STORE),
  },
  'images.repositories': {
    summary: 'The repositories of a configured registry or layout',
    input: ImageStoreRefSchema,
    output: RepositoryListSchema,
    errors: errors(REGISTRY),
  },
  'images.tags': {
    summary: 'The tags of one repository, each with the reference to inspect',
    input: ImageStoreRefSchema.extend({ repository: z.string().min(1).max(512) }).strict(),
    output: TagListSchema,
    errors: errors(REGISTRY),
  },
  'signing.plan': {
    summary: 'Resolve an image for signing: the pinned digest and the manifests under it',
    input: InspectInputSchema,
    output: SignPlanSchema,
    errors: errors(REGISTRY),
  },
  'signing.prepare': {
    summary: 'Ask main for an intent to sign exactly these manifests with this key',
    input: PrepareSignSchema,
    output: SignIntentViewSchema,
    errors: errors(REGISTRY, KEYS),
  },
  'signing.prepareBulk': {
    summary: 'Ask main for one intent to sign every matching tag of a repository',
    input: PrepareBulkSignSchema,
    output: SignIntentViewSchema,
    errors: errors(REGISTRY, KEYS),
  },
  'signing.confirm': {
    summary: 'Confirm a sign intent; main asks through its own channel, signs, pushes and verifies',
    input: z.object({ intentId: z.string().min(1).max(64) }).strict(),
    output: SignResultSchema,
    errors: errors(CONFIRM, REGISTRY, KEYS),
  },
  'signing.cancel': {
    summary: 'Stop a running bulk signature after the image in hand; or drop an unconfirmed intent',
    input: z.object({ intentId: z.string().min(1).max(64) }).strict(),
    output: z.object({ cancelled: z.boolean() }).strict(),
    errors: errors(),
  },
  'authority.get': {
    summary: "Signet's certificate authority for Notation: root, intermediate and issued leaves",
    input: NoInputSchema,
    output: AuthorityViewSchema,
    errors: errors(KEYS),
  },
  'authority.create': {
    summary: 'Make a root and an intermediate key and their certificates',
    input: CreateAuthoritySchema,
    output: AuthorityViewSchema,
    errors: errors(KEYS),
  },
  'authority.crl': {
    summary: 'The current CRL of the intermediate, listing revoked leaves, as PEM',
    input: NoInputSchema,
    output: ExportedFileSchema,
    errors: errors(KEYS),
  },
  'policies.list': {
    summary: 'Every trust policy Signet keeps',
    input: NoInputSchema,
    output: z.array(PolicySchema),
    errors: errors(STORE, 'NotFound'),
  },
  'policies.save': {
    summary: 'Create or replace a trust policy, crash-safely',
    input: PolicySchema,
    output: PolicySchema,
    errors: errors(STORE, 'NotFound'),
  },
  'policies.remove': {
    summary: 'Delete a trust policy',
    input: z.object({ policyId: PolicyIdSchema }).strict(),
    output: z.object({ removed: z.boolean() }).strict(),
    errors: errors(STORE, 'NotFound'),
  },
  'policies.evaluate': {
    summary: "A policy's verdict on one image, with its reasons",
    input: z.object({ policyId: PolicyIdSchema, reference: InspectInputSchema.shape.reference, insecure: z.boolean().default(false) }).strict(),
    output: PolicyEvaluationSchema,
    errors: errors(REGISTRY, KEYS),
  },
  'policies.export': {
    summary: 'The same policy for Kyverno, policy-controller, containers-policy.json or Notation, with what it cannot express',
    input: z.object({ policyId: PolicyIdSchema, target: PolicyTargetSchema }).strict(),
    output: PolicyExportSchema,
    errors: errors(KEYS),
  },
  'scan.start': {
    summary: 'Scan a registry, repositories or a layout for signature coverage; answers when done',
    input: StartScanSchema,
    output: ScanSummarySchema,
    errors: errors(REGISTRY, KEYS),
  },
  'scan.cancel': {
    summary: 'Stop a running scan; what was checked is kept as a partial result',
    input: z.object({ scanId: z.string().min(1).max(64) }).strict(),
    output: z.object({ cancelled: z.boolean() }).strict(),
    errors: errors(),
  },
  'scan.history': {
    summary: 'Earlier scans, newest first',
    input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    output: z.array(ScanSummarySchema),
    errors: errors(STORE, 'NotFound'),
  },
  'scan.get': {
    summary: 'One scan with every image it checked',
    input: z.object({ scanId: z.string().min(1).max(64) }).strict(),
    output: ScanRecordSchema,
    errors: errors(STORE, 'NotFound'),
  },
  'scan.diff': {
    summary: 'What changed between two scans',
    input: z.object({ from: z.string().min(1).max(64), to: z.string().min(1).max(64) }).strict(),
    output: ScanDiffSchema,
    errors: errors(STORE, 'NotFound'),
  },
  'scan.export': {
    summary: 'A scan as CSV, JSON, or an HTML compliance report',
    input: z.object({ scanId: z.string().min(1).max(64), format: z.enum(['csv', 'json', 'html']) }).strict(),
    output: ExportedFileSchema,
    errors: errors(STORE, 'NotFound'),
  },
  'scan.schedules': {
    summary: 'The scheduled re-scans',
    input: NoInputSchema,
    output: z.array(ScanScheduleSchema),
    errors: errors(STORE, 'NotFound'),
  },
  'scan.schedule': {
    summary: 'Replace the scheduled re-scans; they run while the app is open',
    input: z.object({ schedules: z.array(ScanScheduleSchema).max(32) }).strict(),
    output: z.array(ScanScheduleSchema),
    errors: errors(STORE, 'NotFound'),
  },
  'recovery.prepareBackup': {
    summary: 'Ask main for an intent to back up keys, inventory, policies, revocations and the audit log',
    input: PrepareBackupSchema,
    output: IntentViewSchema,
    errors: errors(KEYS),
  },
  'recovery.confirmBackup': {
    summary: 'Confirm a backup intent; main writes the encrypted backup and one recovery sheet per custodian',
    input: z.object({ intentId: z.string().min(1).max(64) }).strict(),
    output: BackupResultSchema,
    errors: errors(CONFIRM, KEYS),
  },
  'recovery.inspect': {
    summary: "A backup's manifest: what it holds and the hashes, without opening it",
    input: z.object({ backupFile: OpenBackupSchema.shape.backupFile }).strict(),
    output: BackupManifestSchema,
    errors: errors(STORE, 'NotFound', 'Unauthorized'),
  },
  'recovery.drill': {
    summary: 'Restore a backup into fresh stores, prove every key signs and verifies, and record the drill',
    input: OpenBackupSchema,
    output: DrillResultSchema,
    errors: errors(KEYS, 'Timeout'),
  },
  'recovery.drills': {
    summary: "When each key's backup last passed a drill",
    input: NoInputSchema,
    output: DrillStatusSchema,
    errors: errors(STORE, 'NotFound'),
  },
  'recovery.prepareRestore': {
    summary: 'Ask main for an intent to restore a backup; nothing is overwritten unless the whole backup opens',
    input: OpenBackupSchema,
    output: IntentViewSchema,
    errors: errors(KEYS),
  },
  'recovery.confirmRestore': {
    summary: 'Confirm a restore intent',
    input: z.object({ intentId: z.string().min(1).max(64) }).strict(),
    output: RestoreResultSchema,
    errors: errors(CONFIRM, KEYS),
  },
  'recovery.backupKey': {
    summary: 'The backup key wrappable token keys are wrapped under, or null before one is made',
    input: NoInputSchema,
    output: BackupKeySchema.nullable(),
    errors: errors(KEYS),
  },
  'recovery.createBackupKey': {
    summary: 'Make the backup key (RSA-3072, unwrap only) on a second token; made once and never replaced',
    input: CreateBackupKeySchema,
    output: BackupKeySchema,
    errors: errors(KEYS),
  },
  'workshop.lessons': {
    summary: 'The lessons: the ones shipped with Signet and those a trainer added',
    input: NoInputSchema,
    output: z.array(LessonSchema),
    errors: errors(STORE, 'NotFound'),
  },
  'workshop.status': {
    summary: 'Whether the sandbox exists, what it holds, and where the lesson is',
    input: NoInputSchema,
    output: SandboxViewSchema,
    errors: errors(STORE, 'NotFound'),
  },
  'workshop.start': {
    summary: "Create the sandbox if needed and bring it to a lesson's start",
    input: z.object({ lessonId: z.string().min(1).max(64) }).strict(),
    output: SandboxViewSchema,
    errors: errors(SANDBOX),
  },
  'workshop.prepare': {
    summary: 'For a step that signs, rotates or revokes: the intent to confirm; null for other steps',
    input: z.object({ lessonId: z.string().min(1).max(64), stepId: z.string().min(1).max(64) }).strict(),
    output: IntentViewSchema.nullable(),
    errors: errors(SANDBOX),
  },
  'workshop.run': {
    summary: 'Run one step in the sandbox and show what it did',
    input: z.object({ lessonId: z.string().min(1).max(64), stepId: z.string().min(1).max(64), intentId: z.string().min(1).max(64).optional() }).strict(),
    output: StepResultSchema,
    errors: errors(SANDBOX),
  },
  'workshop.reset': {
    summary: "Bring the sandbox back to the current lesson's start",
    input: NoInputSchema,
    output: SandboxViewSchema,
    errors: errors(SANDBOX),
  },
  'workshop.leave': {
    summary: "Remove the sandbox; the user's own keys, registries and audit log are as they were",
    input: NoInputSchema,
    output: SandboxViewSchema,
    errors: errors(SANDBOX),
  },
  'workshop.happened': {
    summary: 'Registry writes and audit entries in the sandbox since the lesson started',
    input: NoInputSchema,
    output: HappenedSchema,
    errors: errors(STORE, 'NotFound'),
  },
  'compromise.assess': {
    summary: 'Every image a key signed after "invalid since", from the audit log and a registry scan',
    input: CompromiseScopeSchema,
    output: CompromiseAssessmentSchema,
    errors: errors(REGISTRY, KEYS),
  },
  'compromise.prepare': {
    summary: 'Ask main for one intent covering the whole response to a compromised key, listing every digest',
    input: PrepareCompromiseSchema,
    output: CompromiseIntentSchema,
    errors: errors(REGISTRY, KEYS),
  },
  'compromise.confirm': {
    summary: 'Confirm the response: revoke, rotate, re-sign, remove, publish, export; answers with the report',
    input: z.object({ intentId: z.string().min(1).max(64) }).strict(),
    output: CompromiseReportSchema,
    errors: errors(CONFIRM, REGISTRY, KEYS),
  },
  'audit.list': {
    summary: 'Audit entries, newest first',
    input: AuditQuerySchema,
    output: z.array(AuditEntrySchema),
    errors: errors(STORE, 'NotFound'),
  },
  'audit.verify': {
    summary: 'Check the audit chain and its signed checkpoints',
    input: NoInputSchema,
    output: AuditVerificationSchema,
    errors: errors(KEYS),
  },
} as const satisfies Record<string, ChannelSpec>;

/** Pushes from main to the renderer; each payload is validated before it is sent. */
export const events = {
  'settings.changed': SettingsSchema,
  'system.changed': SystemStatusSchema,
  'keys.changed': z.array(KeyRecordSchema),
  'images.progress': InspectProgressSchema,
  'signing.progress': SignProgressSchema,
  'scan.progress': ScanProgressSchema,
  'scan.alert': ScanAlertSchema,
  'tokens.pinRequest': PinRequestSchema,
} as const;

export type Requests = typeof requests;
export type RequestChannel = keyof Requests;
/** What a caller may pass (defaults not yet applied). */
export type RequestInput<C extends RequestChannel> = z.input<Requests[C]['input']>;
/** What a handler receives (validated, defaults applied). */
export type ParsedInput<C extends RequestChannel> = z.output<Requests[C]['input']>;
export type RequestOutput<C extends RequestChannel> = z.output<Requests[C]['output']>;

export type Events = typeof events;
export type EventChannel = keyof Events;
export type EventPayload<E extends EventChannel> = z.output<Events[E]>;

export const requestChannels = Object.freeze(Object.keys(requests)) as readonly RequestChannel[];
export const eventChannels = Object.freeze(Object.keys(events)) as readonly EventChannel[];

// Own-property check, so a channel like `toString` or `__proto__` can never select a handler.
export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && Object.hasOwn(requests, value);
}

// Whether a channel may answer this code: one of its own, or one every channel can answer.
export function declaresError(channel: RequestChannel, code: ErrorCode): boolean {
  const declared: readonly ErrorCode[] = requests[channel].errors;
  return ALWAYS_POSSIBLE_ERRORS.includes(code) || declared.includes(code);
}

// Same guard for pushes, used by both the preload and the browser transport.
export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && Object.hasOwn(events, value);
}

type DomainOf<C extends string> = C extends `${infer D}.${string}` ? D : never;
type VerbOf<C extends string, D extends string> = C extends `${D}.${infer V}` ? V : never;
type Join<D extends string, V extends string, All extends string> = `${D}.${V}` & All;

/** Channels grouped as `tree.domain.verb`, so code names a channel by property, never by string. */
export type ChannelTree<All extends string, Leaf extends { [C in All]: unknown }> = {
  [D in DomainOf<All>]: { [V in VerbOf<All, D>]: Leaf[Join<D, V, All>] };
};

// Builds the runtime side of a ChannelTree from the contract's own keys.
export function channelTree<All extends string, Leaf extends { [C in All]: unknown }>(
  channels: readonly All[],
  leaf: <C extends All>(channel: C) => Leaf[C],
): ChannelTree<All, Leaf> {
  const tree: Record<string, Record<string, unknown>> = {};
  for (const channel of channels) {
    const [domain, verb] = splitChannel(channel);
    (tree[domain] ??= {})[verb] = leaf(channel);
  }
  return tree as ChannelTree<All, Leaf>;
}

// Channel names are exactly `domain.verb`; anything else is not a channel.
export function splitChannel(channel: string): [string, string] {
  const dot = channel.indexOf('.');
  return [channel.slice(0, dot), channel.slice(dot + 1)];
}

export const BRIDGE_GLOBAL = 'signet';
export const SOCKET_PATH = '/ipc';

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

/** The envelope every request answers with, so errors travel as data. */
export const ResultEnvelopeSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), error: AppErrorSchema }).strict(),
]);

/** The raw bridge the preload (or the browser transport) exposes; the typed client wraps it. */
export interface Bridge {
  invoke(channel: string, input: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/** Messages of the browser host's WebSocket, which carries the same contract. */
export const SocketRequestSchema = z
  .object({ id: z.number().int().nonnegative(), channel: z.string().max(128), input: z.unknown() })
  .strict();
export const SocketMessageSchema = z.union([
  z.object({ kind: z.literal('result'), id: z.number().int().nonnegative(), result: ResultEnvelopeSchema }).strict(),
  z.object({ kind: z.literal('event'), event: z.string().max(128), payload: z.unknown() }).strict(),
]);
export type SocketMessage = z.infer<typeof SocketMessageSchema>;

/*
 * The PIN prompt: main's own window asking for a token PIN that is not remembered. Its two
 * channels run only between main and that window's preload; they are neither requests nor
 * events, so the app's preload, dispatcher and socket never carry them.
 */

export const pinPromptChannels = Object.freeze({
  /** The prompt page asks what the PIN is for. */
  request: 'pinPrompt.request',
  /** The prompt page answers once: the PIN, or null when the person declines. */
  answer: 'pinPrompt.answer',
} as const);

export const PIN_PROMPT_GLOBAL = 'signetPin';
export const PIN_MAX_LENGTH = 256;

/** What the prompt shows; `deadline` is when main stops waiting (epoch milliseconds). */
export const PinPromptRequestSchema = z
  .object({ tokenLabel: z.string().min(1).max(32), module: z.string().max(256), operation: z.string().min(1).max(300), deadline: z.number().int().positive() })
  .strict();
export type PinPromptRequest = z.infer<typeof PinPromptRequestSchema>;

/** A PIN as main accepts it from the prompt; null is the person declining. */
export const PinAnswerSchema = z.union([z.string().min(1).max(PIN_MAX_LENGTH), z.null()]);

/** The prompt preload's whole surface: read what is asked, answer once. */
export interface PinPromptBridge {
  /** The current request, or null when this window has none (it was answered or timed out). */
  request(): Promise<unknown>;
  /** True when main took the answer; false when it was refused (malformed, late or from elsewhere). */
  answer(pin: string | null): Promise<boolean>;
}
