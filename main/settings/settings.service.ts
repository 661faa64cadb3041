import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../../shared/model/settings.defaults.ts';
import type { Settings, SettingsPatch } from '../../shared/model/settings.model.ts';
import type { Notice } from '../../shared/model/system.model.ts';
import { SignetError } from '../errors.ts';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';

export interface SettingsChangeListener {
  (settings: Settings): void;
}

/** Settings live in one JSON file in the data folder, replaced atomically on every change. */
export class SettingsService {
  private readonly file: string;
  private loading: Promise<Settings> | null = null;
  private readonly notices: Notice[] = [];
  private writing: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<SettingsChangeListener>();

  constructor(dataDir: string) {
    this.file = join(dataDir, 'settings.json');
  }

  // Loads once, however many callers ask at the same moment.
  get(): Promise<Settings> {
    this.loading ??= this.load().catch((error: unknown) => {
      this.loading = null;
      throw new SignetError('Unavailable', `The settings at ${this.file} could not be read (${errorCode(error)}).`);
    });
    return this.loading;
  }

  // A damaged file is moved aside (never overwritten) so nothing the user wrote is lost.
  private async load(): Promise<Settings> {
    const text = await readFileIfExists(this.file);
    if (text === null) return structuredClone(DEFAULT_SETTINGS);
    const result = (await settingsSchema()).safeParse(parseJsonOrUndefined(text));
    if (result.success) return result.data;
    const aside = `${this.file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.file, aside);
    this.notices.push({
      level: 'warning',
      message: `The settings file could not be read and was kept as ${aside}; defaults are in use.`,
    });
    return structuredClone(DEFAULT_SETTINGS);
  }

  // Writes are serialised so two quick updates cannot interleave and lose one another.
  async update(patch: SettingsPatch): Promise<Settings> {
    const run = this.writing.then(async () => {
      const base = await this.get();
      const next = (await settingsSchema()).parse({ ...base, ...patch });
      try {
        await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
      } catch (error) {
        throw new SignetError('Unavailable', `The settings could not be saved to ${this.file} (${errorCode(error)}); nothing was changed.`);
      }
      this.loading = Promise.resolve(next);
      for (const listener of this.listeners) listener(next);
      return next;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  // Lets the System screen say when the settings file had to be set aside.
  listNotices(): Notice[] {
    return [...this.notices];
  }

  // Lets the event hub push changes to every window.
  onChange(listener: SettingsChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

// The schema is loaded only when there is a file to check or a change to save: a data folder without settings needs no validator.
async function settingsSchema() {
  return (await import('../../shared/model/settings.model.ts')).SettingsSchema;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}
