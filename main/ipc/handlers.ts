import type { HandlerTable } from './dispatcher.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { SystemService } from '../system/system.service.ts';

export interface HandlerServices {
  settings: SettingsService;
  system: SystemService;
}

// The single handler table every host binds: Electron IPC, the browser socket and the CLI.
export function createHandlers(services: HandlerServices): HandlerTable {
  return {
    system: {
      status: (input) => services.system.status(input.refresh),
    },
    settings: {
      get: () => services.settings.get(),
      update: (input) => services.settings.update(input),
    },
  };
}
