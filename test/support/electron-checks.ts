import assert from 'node:assert/strict';
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

// Every window Signet opens must carry these preferences: the secure window factory's promise, checked the same way for each window.
export function assertSecurePreferences(webPreferences: unknown, preload: string): void {
  const prefs = webPreferences as Record<string, unknown>;
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.preload, preload);
}
