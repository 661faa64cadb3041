import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { Happened, Lesson, SandboxView, StepResult } from '../../shared/model/workshop.model.ts';
import { SignetError, type InternalErrorLog } from '../errors.ts';
import type { SecretStore } from '../platform/keychain.types.ts';
import type { Pkcs11Driver } from '../platform/pkcs11.types.ts';
import { WriteQueue } from '../storage/write-queue.ts';
import { LessonCatalog, shippedLessonsFolder } from './lesson.catalog.ts';
import { LessonRunner } from './lesson.runner.ts';
import { Sandbox } from './sandbox.factory.ts';
import type { ImageStoreMode } from './sandbox.store.ts';
import type { KeyStoreMode } from './sandbox.token.ts';
import { SAMPLE_NAMES } from './samples.builder.ts';
import type { CreateSandboxApp } from './sandbox-app.types.ts';

export interface WorkshopDeps {
  /** The user's data folder: trainers' lessons are read from its `lessons` folder, and nothing is ever written to it. */
  dataDir: string;
  host: HostKind;
  /** SIGNET_WORKSHOP_IMAGES (registry | layout) and SIGNET_WORKSHOP_KEYS (softhsm | software) force a store; SIGNET_WORKSHOP_DIR moves the sandboxes. */
  env: NodeJS.ProcessEnv;
  keychain: SecretStore;
  pkcs11: Pkcs11Driver;
  now: () => Date;
  /** How a sandbox app is made: the same composition root as the real one. */
  createApp: CreateSandboxApp;
  log?: InternalErrorLog;
  /** Where the shipped lessons are; found next to the app when not given. */
  lessonsFolder?: string | null;
}

const IMAGE_MODES: readonly ImageStoreMode[] = ['auto', 'registry', 'layout'];
const KEY_MODES: readonly KeyStoreMode[] = ['auto', 'softhsm', 'software'];

/**
 * An offline signing lab for trainers. The sandbox is a second Signet in a folder of its own (its
 * settings, inventory and audit log), with its own keychain namespace, keys on the workshop SoftHSM
 * token or sealed in software, and an image store holding sample images Signet built. Entering,
 * running and leaving the workshop writes nothing to the user's data folder, audit log, settings,
 * registries or keychain entries, and the user's audit log does not record the workshop at all.
 */
export class WorkshopService {
  private readonly deps: WorkshopDeps;
  private readonly catalog: LessonCatalog;
  private sandbox: Sandbox | null = null;
  private runner: LessonRunner | null = null;
  /** What the last leave could not remove, said until the next sandbox is made. */
  private leftovers: string[] = [];
  private readonly queue = new WriteQueue();

  constructor(deps: WorkshopDeps) {
    this.deps = deps;
    this.catalog = new LessonCatalog(deps.lessonsFolder === undefined ? shippedLessonsFolder() : deps.lessonsFolder, join(deps.dataDir, 'lessons'));
  }

  async lessons(): Promise<Lesson[]> {
    return (await this.catalog.load()).lessons;
  }

  async status(): Promise<SandboxView> {
    const { notes } = await this.catalog.load();
    const sandbox = this.sandbox;
    if (!sandbox) return { active: false, keyStore: null, imageStore: null, images: {}, lessonId: null, step: 0, notes: [...this.leftovers, ...notes] };
    return {
      active: true,
      keyStore: sandbox.keyStore.kind,
      imageStore: sandbox.store.kind,
      images: Object.fromEntries(SAMPLE_NAMES.map((name) => [name, sandbox.store.reference(name)])),
      lessonId: this.runner?.lesson.id ?? null,
      step: this.runner?.stepsRun ?? 0,
      notes: [...[sandbox.keyStore.note, sandbox.store.note].filter((n): n is string => n !== null), ...notes],
    };
  }

  // Every lesson starts from a fresh sandbox: no keys, unsigned samples, an empty audit log.
  async start(lessonId: string): Promise<SandboxView> {
    return this.serial(async () => {
      const lesson = (await this.lessons()).find((l) => l.id === lessonId);
      if (!lesson) throw new SignetError('NotFound', `There is no lesson "${lessonId}".`);
      await this.fresh(lesson);
      return this.status();
    });
  }

  async prepare(lessonId: string, stepId: string): Promise<{ intentId: string; title: string; facts: { label: string; value: string }[]; expiresAt: string } | null> {
    return this.serial(() => this.current(lessonId).prepare(stepId));
  }

  async run(lessonId: string, stepId: string, intentId: string | undefined): Promise<StepResult> {
    return this.serial(() => this.current(lessonId).run(stepId, intentId));
  }

  // Back to the current lesson's start: the old sandbox is removed whole and a new one made; with no lesson running there is nothing to reset.
  async reset(): Promise<SandboxView> {
    return this.serial(async () => {
      const lesson = this.runner?.lesson;
      if (this.sandbox && lesson) await this.fresh(lesson);
      return this.status();
    });
  }

  async leave(): Promise<SandboxView> {
    return this.serial(async () => {
      await this.remove();
      return this.status();
    });
  }

  async happened(): Promise<Happened> {
    return this.runner ? this.runner.happened() : { registryWrites: [], auditEntries: [] };
  }

  // Closing Signet leaves the workshop: no registry, token object or keychain entry outlives the app.
  async close(): Promise<void> {
    await this.serial(() => this.remove()).catch((error: unknown) => this.deps.log?.('workshop-close', error));
  }

  private async fresh(lesson: Lesson): Promise<void> {
    await this.remove();
    const env = this.deps.env;
    this.sandbox = await Sandbox.create({
      createApp: this.deps.createApp,
      host: this.deps.host,
      env,
      keychain: this.deps.keychain,
      pkcs11: this.deps.pkcs11,
      now: this.deps.now,
      log: this.deps.log,
      parent: env.SIGNET_WORKSHOP_DIR || tmpdir(),
      imageMode: mode(env.SIGNET_WORKSHOP_IMAGES, IMAGE_MODES, 'SIGNET_WORKSHOP_IMAGES'),
      keyMode: mode(env.SIGNET_WORKSHOP_KEYS, KEY_MODES, 'SIGNET_WORKSHOP_KEYS'),
    });
    this.leftovers = [];
    this.runner = await LessonRunner.start(lesson, this.sandbox, this.deps.host, this.deps.now);
  }

  private async remove(): Promise<void> {
    const sandbox = this.sandbox;
    this.sandbox = null;
    this.runner = null;
    if (!sandbox) return;
    const problems = await sandbox.destroy();
    this.leftovers = problems.map((p) => `Leaving the workshop did not finish ${p}; remove it by hand (${sandbox.folder}).`);
  }

  private current(lessonId: string): LessonRunner {
    if (!this.runner || !this.sandbox) throw new SignetError('Conflict', 'The workshop is not running; start a lesson first.');
    if (this.runner.lesson.id !== lessonId) throw new SignetError('Conflict', `The sandbox is on lesson "${this.runner.lesson.id}"; start "${lessonId}" first.`);
    return this.runner;
  }

  // One sandbox operation at a time: a reset never interleaves with a step.
  private serial<T>(work: () => Promise<T>): Promise<T> {
    return this.queue.run(work);
  }
}

function mode<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T {
  if (!value) return allowed[0]!;
  if (!(allowed as readonly string[]).includes(value)) throw new SignetError('BadInput', `${name} is "${value}"; use one of ${allowed.join(', ')}.`);
  return value as T;
}
