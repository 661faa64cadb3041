import { runInNewContext } from 'node:vm';

// Runs a built preload as Electron's sandbox would: `require('electron')` is the only module it gets; returns what it asked for.
export function runSandboxedPreload(source: string, electron: unknown): string[] {
  const required: string[] = [];
  runInNewContext(source, {
    require: (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return electron;
    },
    module: { exports: {} },
    exports: {},
    Promise,
  });
  return required;
}
