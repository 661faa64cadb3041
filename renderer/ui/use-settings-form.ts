import { useState } from 'react';
import type { AppError } from '../../shared/errors.ts';
import type { SettingsPatch } from '../../shared/model/settings.model.ts';
import { useSettings } from '../state/settings.store.ts';
import { showToast } from '../state/toast.store.ts';

// Each settings form shows its own failure, so an error in one card never appears in another.
export function useSettingsForm() {
  const { settings, update, saving } = useSettings();
  const [formError, setFormError] = useState<AppError | null>(null);
  const save = async (patch: SettingsPatch) => {
    setFormError(null);
    const ok = await update(patch);
    if (ok) showToast('Settings saved.');
    else setFormError(useSettings.getState().error);
    return ok;
  };
  return { settings, save, saving, formError };
}
