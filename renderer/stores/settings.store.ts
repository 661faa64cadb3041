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
      set({ settings: await api.settings.update(patch), saving: false });
      return true;
    } catch (error) {
      set({ error: asAppError(error), saving: false });
      return false;
    }
  },
}));

on.settings.changed((settings) => useSettings.setState({ settings }));
