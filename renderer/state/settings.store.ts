import { create } from 'zustand';
import type { AppError } from '../../shared/errors.ts';
import type { Settings, SettingsPatch } from '../../shared/model/settings.model.ts';
import { api, on } from '../api/client.ts';
import { asAppError } from './request-state.ts';

interface SettingsState {
  settings: Settings | null;
  saving: boolean;
  error: AppError | null;
  load(): Promise<void>;
  update(patch: SettingsPatch): Promise<boolean>;
}

export const useSettings = create<SettingsState>((set) => ({
  settings: null,
  saving: false,
  error: null,
  load: async () => {
    try {
      set({ settings: await api.settings.get({}), error: null });
    } catch (error) {
      set({ error: asAppError(error) });
    }
  },
  update: async (patch) => {
    set({ saving: true, error: null });
    try {
      const { toolDirs, pkcs11Modules, cleartextCredentialHosts, ...rest } = patch;
      const guarded = { ...(toolDirs ? { toolDirs } : {}), ...(pkcs11Modules ? { pkcs11Modules } : {}), ...(cleartextCredentialHosts ? { cleartextCredentialHosts } : {}) };
      if (Object.keys(rest).length > 0 || Object.keys(guarded).length === 0) set({ settings: await api.settings.update(rest) });
      // What main runs, loads or sends in clear is confirmed in main's own dialog or terminal; the page only asks for it.
      if (Object.keys(guarded).length > 0) {
        const intent = await api.settings.prepareProtected(guarded);
        set({ settings: await api.settings.confirmProtected({ intentId: intent.intentId }) });
      }
      set({ saving: false });
      return true;
    } catch (error) {
      set({ error: asAppError(error), saving: false });
      return false;
    }
  },
}));

on.settings.changed((settings) => useSettings.setState({ settings }));
