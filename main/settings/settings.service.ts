import { DEFAULT_SETTINGS } from '../../shared/model/settings.defaults.ts';
import type { Settings, SettingsPatch } from '../../shared/model/settings.model.ts';
import type { Notice } from '../../shared/model/system.model.ts';
import { SignetError } from '../errors.ts';
import { DataStore } from '../storage/data.store.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';

export interface SettingsChangeListener {
  (settings: Settings): void;
}

/**
 * Settings are one document in the data store, read from it on every call (another process may
 * have changed them) and replaced in one transaction. A damaged document is an error naming the
 * file, never the defaults: defaults have no signing rules, so falling back would let any key sign.
 */
export class SettingsService {
  private readonly store: DataStore;
  private readonly file: string;
  private readonly listeners = new Set<SettingsChangeListener>();
  /** The last text parsed and its result; a parse is reused only for the very same stored text. */
  private parsed: { text: string; settings: Settings } | null = null;

  constructor(dataDir: string) {
    this.store = DataStore.for(dataDir);
    this.file = this.store.file;
  }

  // The committed settings; an unreadable store or a damaged document rejects with an error naming the file.
  async get(): Promise<Settings> {
    let text: string | null;
    try {
      text = await this.store.read((reader) => reader.text('settings'), null);
    } catch (error) {
      throw this.failure('read', error);
    }
    return structuredClone(await this.parse(text));
  }

  private async parse(text: string | null): Promise<Settings> {
    if (text === null) return structuredClone(DEFAULT_SETTINGS);
    if (this.parsed?.text === text) return this.parsed.settings;
    const result = (await settingsSchema()).safeParse(parseJsonOrUndefined(text));
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new SignetError(
        'Conflict',
        `The settings in ${this.file} (document "settings") are damaged (${issue ? `${issue.path.join('.') || 'document'}: ${issue.message}` : 'not JSON'}). Signing and everything else that depends on the settings stay stopped until they are restored from a backup; Signet never falls back to defaults, which have no signing rules.`,
      );
    }
    this.parsed = { text, settings: result.data };
    return result.data;
  }

  // The patch applies to the settings read inside the same transaction, so a change from another process is never lost.
  async update(patch: SettingsPatch): Promise<Settings> {
    const schema = await settingsSchema();
    let next: Settings;
    try {
      next = await this.store.write(async (tx) => {
        const base = await this.parse(tx.text('settings'));
        const candidate = schema.parse({ ...base, ...patch });
        tx.put('settings', candidate);
        return candidate;
      });
    } catch (error) {
      throw this.failure('saved', error);
    }
    for (const listener of this.listeners) listener(structuredClone(next));
    return structuredClone(next);
  }

  // Lets the System screen say what the first start did with the old files.
  listNotices(): Notice[] {
    const notice = this.store.notice();
    return notice ? [{ level: 'warning', message: notice }] : [];
  }

  // Lets the event hub push changes to every window.
  onChange(listener: SettingsChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // Validation errors and the service's own errors pass as they are; anything else says the settings could not be used.
  private failure(what: 'read' | 'saved', error: unknown): unknown {
    if (error instanceof SignetError && (error.code === 'Conflict' || error.code === 'BadInput')) return error;
    if (!(error instanceof SignetError) && error instanceof Error && error.name === 'ZodError') return error;
    const reason = error instanceof SignetError ? error.message : ((error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error)));
    return new SignetError('Unavailable', `The settings could not be ${what} (${this.file}): ${reason}${what === 'saved' ? '; nothing was changed.' : ''}`);
  }
}

// The schema is loaded only when there is a document to check or a change to save: a data folder without settings needs no validator.
async function settingsSchema() {
  return (await import('../../shared/model/settings.model.ts')).SettingsSchema;
}
