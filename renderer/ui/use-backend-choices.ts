import { useEffect } from 'react';
import type { KeyBackendSpec } from '../../shared/model/keys.model.ts';
import { useSystem } from '../state/system.store.ts';

export interface BackendChoice {
  id: string;
  name: string;
  spec: KeyBackendSpec;
  tpm: boolean;
}

// Where a new key can live: sealed software, or any initialised token the system screen found; shared by every form that makes keys.
export function useBackendChoices(): BackendChoice[] {
  const { status, load } = useSystem();
  useEffect(() => {
    if (!status) void load(false);
  }, [status, load]);
  const choices: BackendChoice[] = [{ id: 'software', name: 'Software key, sealed by the OS keychain', spec: { kind: 'software' }, tpm: false }];
  for (const module of status?.pkcs11Modules ?? []) {
    for (const slot of module.slots) {
      if (!slot.token?.initialized) continue;
      choices.push({
        id: `${module.path}#${slot.token.label}`,
        name: `${module.kind === 'tpm2' ? 'TPM' : module.kind === 'softhsm' ? 'SoftHSM' : 'HSM'} token “${slot.token.label}”`,
        spec: { kind: 'pkcs11', modulePath: module.path, tokenLabel: slot.token.label },
        tpm: module.kind === 'tpm2',
      });
    }
  }
  return choices;
}

