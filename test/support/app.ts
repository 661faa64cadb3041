import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type AppOptions, type AppContext } from '../../main/app/app.context.ts';
import type { SystemProbes } from '../../main/system/system.service.ts';

/** Probes that answer at once, for tests of the contract and the hosts rather than of the machine. */
export const quietProbes: Partial<SystemProbes> = {
  detectModules: async () => [],
  tools: async () => [],
  keychain: { backend: 'unsupported', get: async () => null, set: async () => undefined, remove: async () => false },
};

export interface TestApp extends AppContext {
  cleanup(): Promise<void>;
}

// A full app on a throw-away data folder; probes are the real ones unless a test replaces one.
export async function createTestApp(options: Partial<AppOptions> = {}): Promise<TestApp> {
  const home = await mkdtemp(join(tmpdir(), 'signet-home-'));
  const app = createApp({ host: 'cli', ...options, env: { ...process.env, SIGNET_HOME: home, ...options.env } });
  return {
    ...app,
    cleanup: async () => {
      await app.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
