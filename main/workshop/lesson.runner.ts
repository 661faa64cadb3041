import type { ChainReport } from '../../shared/model/chain.model.ts';
import type { AuditEntry } from '../../shared/model/audit.model.ts';
import { ALGORITHM_NAMES, effectiveStatus, GenerateKeyInputSchema, PrepareKeyActionSchema } from '../../shared/model/keys.model.ts';
import { POLICY_TARGET_NAMES, PolicySchema } from '../../shared/model/policy.model.ts';
import { FORMAT_NAMES, PrepareSignSchema, type SignPlan } from '../../shared/model/signing.model.ts';
import type { IntentView } from '../../shared/model/intent.model.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { Happened, Lesson, LessonAction, LessonStep, StepResult } from '../../shared/model/workshop.model.ts';
import { SignetError } from '../errors.ts';
import type { Sandbox } from './sandbox.factory.ts';
import { short } from './sandbox.registry.ts';
import type { SampleName } from './samples.builder.ts';

type Fact = { label: string; value: string };

/** What one step showed, before it is judged against the lesson's expectation. */
interface Shown {
  outcome: string;
  facts: Fact[];
  chain: ChainReport | null;
  policy?: 'pass' | 'fail' | 'no-rule';
  refused?: boolean;
}

type ActionOf<K extends LessonAction['kind']> = Extract<LessonAction, { kind: K }>;

/** Steps that sign, rotate or revoke run only on an intent main issued and the page confirmed. */
const CONFIRMED: ReadonlySet<LessonAction['kind']> = new Set(['sign', 'rotate', 'revoke']);

/**
 * Runs one lesson in a sandbox, step by step and in order, through the sandbox app's own services:
 * the same checks, intents and audit entries as the real Signet, on the sandbox's data.
 */
export class LessonRunner {
  readonly lesson: Lesson;
  private readonly sandbox: Sandbox;
  private readonly host: HostKind;
  private readonly now: () => Date;
  private readonly writesFrom: number;
  private readonly auditFrom: number;
  private ran = 0;
  /** Lesson key names to sandbox key ids. */
  private readonly keys = new Map<string, string>();
  /** Which sandbox keys signed each manifest during the lesson. */
  private readonly signatures = new Map<string, Set<string>>();
  /** The samples each key signed, most recent last. */
  private readonly signedImages = new Map<string, SampleName[]>();
  private policyId: string | null = null;
  private prepared: { stepId: string; intentId: string } | null = null;

  private constructor(lesson: Lesson, sandbox: Sandbox, host: HostKind, now: () => Date, auditFrom: number) {
    this.lesson = lesson;
    this.sandbox = sandbox;
    this.host = host;
    this.now = now;
    this.writesFrom = sandbox.store.writes().length;
    this.auditFrom = auditFrom;
  }

  // The lesson starts here: what the sandbox wrote and audited before this moment is not the lesson's.
  static async start(lesson: Lesson, sandbox: Sandbox, host: HostKind, now: () => Date): Promise<LessonRunner> {
    const [last] = await sandbox.app.audit.list({ limit: 1 });
    return new LessonRunner(lesson, sandbox, host, now, last?.seq ?? 0);
  }

  // How many steps have run, which is also the index of the one that runs next.
  get stepsRun(): number {
    return this.ran;
  }

  // A confirmed step's intent, from the sandbox's signing or key service; null for a step that needs none.
  async prepare(stepId: string): Promise<IntentView | null> {
    const step = this.next(stepId);
    const action = step.action;
    let intent: IntentView;
    switch (action.kind) {
      case 'sign': {
        const reference = this.sandbox.store.reference(action.image);
        const keyId = this.keyId(action.key, step);
        if (action.format === 'notation') await this.ensureAuthority();
        const plan = await this.sandbox.app.signing.plan({ reference, insecure: false });
        const view = await this.sandbox.app.signing.prepare(PrepareSignSchema.parse({ reference, digest: plan.digest, manifests: this.toSign(plan, keyId), keyId, format: action.format }));
        intent = { intentId: view.intentId, title: view.title, facts: view.facts, expiresAt: view.expiresAt };
        break;
      }
      case 'rotate': {
        const view = await this.sandbox.keyActions.prepare(PrepareKeyActionSchema.parse({ action: 'rotate', keyId: this.keyId(action.key, step), overlapDays: 0, label: action.as }));
        intent = { intentId: view.intentId, title: view.title, facts: view.facts, expiresAt: view.expiresAt };
        break;
      }
      case 'revoke': {
        const invalidSince = new Date(this.now().getTime() - action.invalidSinceMinutesAgo * 60_000).toISOString();
        const view = await this.sandbox.keyActions.prepare(PrepareKeyActionSchema.parse({ action: 'revoke', keyId: this.keyId(action.key, step), reason: action.reason, invalidSince }));
        intent = { intentId: view.intentId, title: view.title, facts: view.facts, expiresAt: view.expiresAt };
        break;
      }
      default:
        return null;
    }
    this.prepared = { stepId, intentId: intent.intentId };
    return intent;
  }

  // Runs the next step and says what it showed; a confirmed step needs the intent prepare issued for it.
  async run(stepId: string, intentId: string | undefined): Promise<StepResult> {
    const step = this.next(stepId);
    if (CONFIRMED.has(step.action.kind)) {
      if (!intentId) throw new SignetError('Unauthorized', `Step "${step.title}" signs, rotates or revokes: confirm the step first (prepare it, read what it will do, then run it with that intent).`);
      if (this.prepared?.stepId !== stepId || this.prepared.intentId !== intentId) throw new SignetError('Unauthorized', 'This intent was not issued for this step; prepare the step again and confirm what it shows.');
      this.prepared = null;
    }
    await this.sandbox.store.beginStep();
    let shown: Shown;
    try {
      shown = await this.execute(step.action, step, intentId ?? '');
    } catch (error) {
      // A refused action is something to see in a lesson; a failed confirmation is not, and is asked again.
      if (!(error instanceof SignetError) || CONFIRMED.has(step.action.kind)) throw error;
      shown = { outcome: `Refused: ${error.message}`, facts: [{ label: 'Refused', value: `${error.code}: ${error.message}` }], chain: null, refused: true };
    } finally {
      await this.sandbox.store.endStep();
    }
    this.ran++;
    const misses = judge(step.expect, shown);
    return {
      lessonId: this.lesson.id,
      stepId,
      step: this.ran,
      asExpected: misses.length === 0,
      outcome: misses.length === 0 ? shown.outcome : `${shown.outcome} Not what the lesson expects: ${misses.join('; ')}.`,
      facts: shown.facts,
      chain: shown.chain,
      happened: await this.happened(),
    };
  }

  // The sandbox's registry writes and audit entries since the lesson started, oldest first.
  async happened(): Promise<Happened> {
    const entries = (await this.sandbox.app.audit.list({ limit: 5000 })).filter((e) => e.seq > this.auditFrom).sort((a, b) => a.seq - b.seq);
    return {
      registryWrites: this.sandbox.store.writes().slice(this.writesFrom),
      auditEntries: entries.map((e) => ({ seq: e.seq, time: e.time, action: e.action, subject: e.subject, summary: this.summarize(e) })),
    };
  }

  private next(stepId: string): LessonStep {
    const index = this.lesson.steps.findIndex((s) => s.id === stepId);
    const step = this.lesson.steps[index];
    if (!step) throw new SignetError('NotFound', `Lesson "${this.lesson.title}" has no step "${stepId}".`);
    if (index < this.ran) throw new SignetError('Conflict', `Step "${step.title}" already ran; reset the sandbox to run the lesson again.`);
    const due = this.lesson.steps[this.ran];
    if (index > this.ran && due) throw new SignetError('Conflict', `Run step ${this.ran + 1}, "${due.title}", first: each step builds on the ones before it.`);
    return step;
  }

  private async execute(action: LessonAction, step: LessonStep, intentId: string): Promise<Shown> {
    switch (action.kind) {
      case 'generate-key':
        return this.generate(action);
      case 'sign':
        return this.sign(action, intentId);
      case 'verify': {
        const chain = await this.inspect(action.image);
        return { outcome: verdictOf(action.image, chain), facts: chainFacts(chain), chain };
      }
      case 'tamper':
        return this.tamper(action);
      case 'rotate':
        return this.rotate(action, intentId);
      case 'revoke':
        return this.revoke(action, intentId);
      case 'require-signers':
        return this.requireSigners(action, step);
      case 'evaluate':
        return this.evaluate(action);
      case 'export-policy':
        return this.exportPolicy(action);
    }
  }

  private async generate(action: ActionOf<'generate-key'>): Promise<Shown> {
    if (this.keys.has(action.key)) throw new SignetError('Conflict', `This lesson already made a key "${action.key}".`);
    const key = await this.sandbox.app.keys.generate(GenerateKeyInputSchema.parse({ backend: this.backend(), algorithm: action.algorithm, label: action.key }), this.host);
    this.keys.set(action.key, key.id);
    const where = key.location.kind === 'pkcs11' ? `on the SoftHSM token "${key.location.tokenLabel}"` : 'as a software key sealed by the OS keychain';
    return {
      outcome: `Made the key "${action.key}" (${ALGORITHM_NAMES[key.algorithm]}) ${where}. Its private half stays there; only the public key and the fingerprint are shown.`,
      facts: [
        { label: 'Key', value: key.label },
        { label: 'Fingerprint (SHA-256)', value: key.fingerprint },
        { label: 'Algorithm', value: ALGORITHM_NAMES[key.algorithm] },
        { label: 'Held in', value: key.location.kind === 'pkcs11' ? key.location.uri : 'software, sealed by the OS keychain (workshop namespace)' },
      ],
      chain: null,
    };
  }

  private async sign(action: ActionOf<'sign'>, intentId: string): Promise<Shown> {
    const result = await this.sandbox.app.signing.confirm(intentId);
    for (const item of result.signed) {
      const signers = this.signatures.get(item.digest) ?? new Set<string>();
      signers.add(result.keyId);
      this.signatures.set(item.digest, signers);
    }
    this.signedImages.set(result.keyId, [...(this.signedImages.get(result.keyId) ?? []).filter((i) => i !== action.image), action.image]);
    const chain = await this.inspect(action.image);
    const unsigned = unsignedPlatforms(chain);
    return {
      outcome: `Signed ${result.signed.length} manifest${result.signed.length === 1 ? '' : 's'} of ${action.image} with "${action.key}" as a ${FORMAT_NAMES[result.format]}, pushed the signature and checked it: ${result.signed.map((s) => s.verdict).join(', ')}. ${verdictOf(action.image, chain)}`,
      facts: [
        { label: 'Key', value: `${action.key} (SHA256:${result.fingerprint.slice(0, 16)}…)` },
        { label: 'Format', value: FORMAT_NAMES[result.format] },
        { label: `Signed (${result.signed.length})`, value: result.signed.map((s) => `${s.digest}${s.platform ? ` (${s.platform})` : s.tag ? ` (tag ${s.tag})` : ''}: ${s.verdict}`).join('\n') },
        { label: 'Written', value: result.signed.flatMap((s) => s.written).join('\n') || 'nothing' },
        { label: 'Platform manifests without a signature', value: unsigned.length ? unsigned.join(', ') : 'none' },
      ],
      chain,
    };
  }

  private async tamper(action: ActionOf<'tamper'>): Promise<Shown> {
    const store = this.sandbox.store;
    switch (action.how) {
      case 'retag': {
        const moved = await store.retag(action.image);
        const chain = await this.inspect(action.image);
        return {
          outcome: `The tag of ${action.image} was moved from ${moved.before ? short(moved.before) : 'nothing'} to ${short(moved.after)}, the content of ${moved.decoy}. No signature was touched. ${verdictOf(action.image, chain)}`,
          facts: [
            { label: 'Tag', value: store.reference(action.image) },
            { label: 'Named before', value: moved.before ?? 'nothing' },
            { label: 'Names now', value: `${moved.after} (the ${moved.decoy} sample's content)` },
            ...chainFacts(chain),
          ],
          chain,
        };
      }
      case 'edit-manifest': {
        const edited = await store.editManifest(action.image);
        const chain = await this.inspect(action.image);
        return {
          outcome: `The manifest of ${action.image} was edited after it was signed (one annotation added), so its digest changed from ${short(edited.original)} to ${short(edited.edited)}${edited.carried ? ', and the old signature was copied along to the new digest' : '; there was no signature to copy along'}. ${verdictOf(action.image, chain)}`,
          facts: [
            { label: 'Digest before the edit', value: edited.original },
            { label: 'Digest after the edit', value: edited.edited },
            { label: 'Signature copied along', value: edited.carried ? 'yes' : 'no (the image was not signed)' },
            ...chainFacts(chain),
          ],
          chain,
        };
      }
      case 'copy-signature': {
        const copied = await store.copySignature(action.image);
        if (!copied) throw new SignetError('Conflict', `No other sample carries a cosign signature to copy onto ${action.image}; sign one first.`);
        const reference = (await store.resolve(action.image)) === copied.target ? store.reference(action.image) : store.reference(action.image, copied.target);
        const chain = await this.inspectReference(reference);
        return {
          outcome: `The signature of ${copied.from} (made for ${short(copied.signed)}) was copied onto ${action.image} (${short(copied.target)}). ${verdictOf(action.image, chain)}`,
          facts: [
            { label: 'Signature taken from', value: `${copied.from}, signed for ${copied.signed}` },
            { label: 'Copied onto', value: `${action.image}, ${copied.target}` },
            ...chainFacts(chain),
          ],
          chain,
        };
      }
    }
  }

  private async rotate(action: ActionOf<'rotate'>, intentId: string): Promise<Shown> {
    const successor = await this.sandbox.keyActions.confirm(intentId, undefined);
    this.keys.set(action.as, successor.id);
    const old = await this.sandbox.app.keys.get(this.keyId(action.key));
    const image = this.signedImages.get(old.id)?.at(-1) ?? null;
    const chain = image ? await this.inspect(image) : null;
    return {
      outcome: `"${action.key}" is rotated: "${action.as}" signs from now on and "${action.key}" is ${effectiveStatus(old, this.now())}: it no longer signs, but what it signed still counts.${chain && image ? ` ${verdictOf(image, chain)}` : ''}`,
      facts: [
        { label: `${action.key}`, value: `${effectiveStatus(old, this.now())}, SHA256:${old.fingerprint.slice(0, 16)}…` },
        { label: `${action.as}`, value: `${effectiveStatus(successor, this.now())}, SHA256:${successor.fingerprint.slice(0, 16)}…, ${ALGORITHM_NAMES[successor.algorithm]}` },
        { label: 'Rotation statement', value: `signed by both "${action.key}" and "${action.as}", so others can follow the change` },
        ...(await this.signedVerdicts()),
      ],
      chain,
    };
  }

  private async revoke(action: ActionOf<'revoke'>, intentId: string): Promise<Shown> {
    const key = await this.sandbox.keyActions.confirm(intentId, undefined);
    const image = this.signedImages.get(key.id)?.at(-1) ?? null;
    const chain = image ? await this.inspect(image) : null;
    const verdicts = await this.signedVerdicts();
    const fallen = verdicts.filter((f) => f.value.startsWith('revoked'));
    return {
      outcome: `"${action.key}" is revoked (${key.revocation?.reason ?? action.reason}) from ${key.revocation?.invalidSince ?? 'now'}. ${fallen.length} of ${verdicts.length} signed sample${verdicts.length === 1 ? '' : 's'} ${fallen.length === 1 ? 'falls' : 'fall'}: ${fallen.map((f) => f.label).join(', ') || 'none'}.${chain && image ? ` ${verdictOf(image, chain)}` : ''}`,
      facts: [
        { label: 'Key', value: `${action.key} (SHA256:${key.fingerprint.slice(0, 16)}…)` },
        { label: 'Status', value: key.status },
        { label: 'Reason (RFC 5280)', value: key.revocation?.reason ?? action.reason },
        { label: 'Invalid since', value: key.revocation?.invalidSince ?? '' },
        ...verdicts,
      ],
      chain,
    };
  }

  private async requireSigners(action: ActionOf<'require-signers'>, step: LessonStep): Promise<Shown> {
    const keyIds = action.keys.map((k) => this.keyId(k, step));
    if (action.threshold > keyIds.length) throw new SignetError('BadInput', `The step asks for ${action.threshold} signers out of ${keyIds.length} keys.`);
    const id = `workshop-${this.lesson.id}`.slice(0, 63).replace(/-+$/, '');
    const policy = PolicySchema.parse({
      id,
      name: `Workshop: ${this.lesson.title}`.slice(0, 128),
      description: this.lesson.summary.slice(0, 2000),
      rules: [{ scope: this.sandbox.store.policyScope(), signers: keyIds.map((keyId) => ({ kind: 'key' as const, keyId })), threshold: action.threshold, formats: ['cosign', 'sigstore-bundle', 'notation'], attestations: [], enforcement: 'enforce' }],
    });
    const saved = await this.sandbox.app.policies.save(policy, this.host);
    this.policyId = saved.id;
    return {
      outcome: `The sandbox policy now requires ${action.threshold} of ${keyIds.length} signers (${action.keys.map((k) => `"${k}"`).join(', ')}) on every sample image: fewer signatures, and an admission controller refuses the image.`,
      facts: [
        { label: 'Policy', value: saved.id },
        { label: 'Scope', value: saved.rules[0]?.scope ?? '' },
        { label: 'Signers', value: action.keys.join(', ') },
        { label: 'Threshold', value: `${action.threshold} of ${keyIds.length}` },
      ],
      chain: null,
    };
  }

  private async evaluate(action: ActionOf<'evaluate'>): Promise<Shown> {
    const policyId = this.requirePolicy();
    const evaluation = await this.sandbox.app.policies.evaluate(policyId, this.sandbox.store.reference(action.image), false);
    const chain = await this.inspect(action.image);
    return {
      outcome: `The policy ${evaluation.verdict === 'pass' ? 'passes' : evaluation.verdict === 'fail' ? 'fails' : 'has no rule for'} ${action.image}: ${evaluation.reasons.join(' ')}`,
      facts: [
        { label: 'Policy verdict', value: evaluation.verdict },
        { label: 'Admitted', value: evaluation.admitted ? 'yes' : 'no' },
        { label: 'Signers that count', value: evaluation.acceptedSigners.join(', ') || 'none' },
        { label: 'Reasons', value: evaluation.reasons.join('\n') },
      ],
      chain,
      policy: evaluation.verdict,
    };
  }

  private async exportPolicy(action: ActionOf<'export-policy'>): Promise<Shown> {
    const exported = await this.sandbox.app.policies.export(this.requirePolicy(), action.target);
    return {
      outcome: `Exported the sandbox policy as ${POLICY_TARGET_NAMES[action.target]}: ${exported.files.length} file${exported.files.length === 1 ? '' : 's'} (${exported.files.map((f) => f.filename).join(', ')}), and ${exported.gaps.length === 0 ? 'nothing it cannot express' : `${exported.gaps.length} thing${exported.gaps.length === 1 ? '' : 's'} it cannot express the way Signet checks it`}.`,
      facts: [
        ...exported.files.map((file) => ({ label: `File ${file.filename}`, value: file.text })),
        ...(exported.gaps.length ? exported.gaps.map((gap, i) => ({ label: `Gap ${i + 1}`, value: gap })) : [{ label: 'Gaps', value: 'none' }]),
      ],
      chain: null,
    };
  }

  // Notation signatures chain to a certificate authority; the sandbox makes its own the first time a lesson signs that way.
  private async ensureAuthority(): Promise<void> {
    if ((await this.sandbox.app.authority.view()).exists) return;
    await this.sandbox.app.authority.create({ name: 'Signet workshop', backend: this.backend() }, this.host);
  }

  private backend(): { kind: 'software' } | { kind: 'pkcs11'; modulePath: string; tokenLabel: string } {
    const keyStore = this.sandbox.keyStore;
    return keyStore.kind === 'softhsm' ? { kind: 'pkcs11', modulePath: keyStore.selector.modulePath, tokenLabel: keyStore.selector.tokenLabel } : { kind: 'software' };
  }

  // The verdict of every sample a key signed in this lesson: which signatures still count after a key changed.
  private async signedVerdicts(): Promise<Fact[]> {
    const images = [...new Set([...this.signedImages.values()].flat())];
    const facts: Fact[] = [];
    for (const image of images) {
      const chain = await this.inspect(image);
      facts.push({ label: image, value: `${chain.verdict}: ${chain.reason}` });
    }
    return facts;
  }

  private requirePolicy(): string {
    if (!this.policyId) throw new SignetError('Conflict', 'There is no sandbox policy yet; a "require signers" step makes one.');
    return this.policyId;
  }

  private keyId(name: string, step?: LessonStep): string {
    const id = this.keys.get(name);
    if (!id) throw new SignetError('NotFound', `${step ? `Step "${step.title}" uses` : 'The lesson uses'} the key "${name}", which no earlier step made.`);
    return id;
  }

  // A key signs the image's own manifest first; once it has, the platform manifests it has not signed yet.
  private toSign(plan: SignPlan, keyId: string): string[] {
    const signedBy = (digest: string) => this.signatures.get(digest)?.has(keyId) ?? false;
    if (!signedBy(plan.digest)) return [plan.digest];
    const platforms = plan.manifests.filter((m) => m.digest !== plan.digest && !signedBy(m.digest)).map((m) => m.digest);
    return platforms.length > 0 ? platforms : [plan.digest];
  }

  private inspect(image: SampleName): Promise<ChainReport> {
    return this.inspectReference(this.sandbox.store.reference(image));
  }

  private inspectReference(reference: string): Promise<ChainReport> {
    return this.sandbox.app.images.inspect({ reference, insecure: false }, this.host);
  }

  private summarize(entry: AuditEntry): string {
    const d = entry.details;
    const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '');
    const name = (id: unknown) => [...this.keys].find(([, keyId]) => keyId === id)?.[0] ?? text(id);
    switch (entry.action) {
      case 'key.generate':
        return `Key "${text(d.label)}" made (${text(d.algorithm)}), fingerprint SHA256:${text(d.fingerprint).slice(0, 16)}…`;
      case 'key.sign':
        return `Key "${name(entry.subject)}" signed a payload with digest ${short(text(d.digest))}`;
      case 'key.signBatch':
        return `Key "${name(entry.subject)}" signed ${text(d.count)} digests in one batch`;
      case 'image.sign': {
        const digests = Array.isArray(d.digests) ? d.digests.map(text) : [];
        return `Signed ${digests.length} manifest${digests.length === 1 ? '' : 's'} of ${text(d.repository)} as ${text(d.format)} with "${name(entry.subject)}": ${digests.map(short).join(', ')}`;
      }
      case 'key.rotate':
        return `Key "${name(entry.subject)}" rotated to "${name(d.successor)}"; it retires ${text(d.retireAt)}`;
      case 'key.revoke':
        return `Key "${name(entry.subject)}" revoked (${text(d.reason)}) from ${text(d.invalidSince)}`;
      case 'key.publishRevocations':
        return `Revocation list rewritten: ${text(d.entries)} revoked key${d.entries === 1 ? '' : 's'}, signed by the admin key${d.sequence === undefined ? '' : `, sequence ${text(d.sequence)}`}`;
      case 'policy.save':
        return `Policy "${text(d.name)}" saved with ${text(d.rules)} rule${d.rules === 1 ? '' : 's'}`;
      case 'audit.checkpoint':
        return 'A signed checkpoint of the audit chain';
      default:
        return Object.entries(d)
          .slice(0, 4)
          .map(([k, v]) => `${k}: ${text(v) || JSON.stringify(v)}`)
          .join(', ');
    }
  }
}

function verdictOf(image: SampleName, chain: ChainReport): string {
  return `The verdict for ${image} is ${chain.verdict}: ${chain.reason}`;
}

// What the chain shows, as facts: its verdict, every signature's verdict, and platform manifests nobody signed.
function chainFacts(chain: ChainReport): Fact[] {
  const signatures = chain.nodes.filter((n) => n.kind === 'signature');
  const unsigned = unsignedPlatforms(chain);
  return [
    { label: 'Verdict', value: `${chain.verdict}: ${chain.reason}` },
    { label: 'Resolved to', value: chain.graph.root.digest },
    { label: `Signatures (${signatures.length})`, value: signatures.map((s) => `${chain.nodes.find((n) => n.id === `${s.id}/signer`)?.label ?? s.label}: ${s.verdict}. ${s.reason}`).join('\n') || 'none' },
    ...(chain.graph.root.children.length > 0 ? [{ label: 'Platform manifests without a signature', value: unsigned.length ? unsigned.join(', ') : 'none' }] : []),
  ];
}

function unsignedPlatforms(chain: ChainReport): string[] {
  const children = new Set(chain.graph.root.children.map((c) => c.digest));
  return chain.nodes.filter((n) => children.has(n.id) && n.verdict === 'unsigned').map((n) => n.label);
}

// Each way the step fell short of the lesson's expectation, in words; none when it showed what was expected.
function judge(expect: LessonStep['expect'], shown: Shown): string[] {
  const misses: string[] = [];
  if (shown.refused && (expect.verdict || expect.policy || !expect.mentions)) misses.push('the step was refused');
  if (expect.verdict && shown.chain?.verdict !== expect.verdict) misses.push(`the verdict should be ${expect.verdict}, and it is ${shown.chain?.verdict ?? 'not known (no chain was drawn)'}`);
  if (expect.policy && shown.policy !== expect.policy) misses.push(`the policy should ${expect.policy}, and its verdict is ${shown.policy ?? 'not known'}`);
  if (expect.mentions) {
    const said = [shown.outcome, shown.chain?.reason ?? '', ...shown.facts.map((f) => `${f.label}: ${f.value}`)].join('\n').toLowerCase();
    if (!said.includes(expect.mentions.toLowerCase())) misses.push(`it should mention "${expect.mentions}"`);
  }
  return misses;
}
