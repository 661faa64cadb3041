import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);

interface BuilderConfig {
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[] };
  mac: { target: string };
  win: { target: string };
  files: string[];
}

test('the electron-builder config passes electron-builder 26 validation and hardens the binary', async () => {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    getConfig(dir: string, path: string, options: null): Promise<BuilderConfig>;
    validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  const config = await getConfig(root, `${root}build/electron-builder.yml`, null);
  await validateConfiguration(config, new DebugLogger(false));
  assert.equal(config.electronFuses.runAsNode, false);
  assert.equal(config.electronFuses.enableNodeCliInspectArguments, false);
  assert.equal(config.electronFuses.enableEmbeddedAsarIntegrityValidation, true);
  assert.ok(config.asarUnpack.includes('**/*.node'), 'native modules are unpacked');
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.equal(config.mac.target, 'dmg');
  assert.equal(config.win.target, 'nsis');
  assert.match(JSON.stringify(config.files), /out\/preload\/\*\*/, 'the bundled preload is packaged');
});
