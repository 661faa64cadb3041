import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventChannels, requestChannels } from '../../shared/contract.ts';
import { run } from '../support/processes.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

async function sourceFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await sourceFiles(full)));
    else if (/\.(ts|tsx|cts|mts)$/.test(entry.name)) found.push(full);
  }
  return found;
}

test('no channel name is written outside the contract file in product code', async () => {
  const files = [...(await sourceFiles(join(root, 'main'))), ...(await sourceFiles(join(root, 'renderer'))), ...(await sourceFiles(join(root, 'shared')))];
  const offenders: string[] = [];
  for (const file of files) {
    if (file === join(root, 'shared', 'contract.ts')) continue;
    const text = await readFile(file, 'utf8');
    for (const channel of [...requestChannels, ...eventChannels]) {
      if (new RegExp(`['"\`]${channel.replace('.', '\\.')}['"\`]`).test(text)) offenders.push(`${relative(root, file)}: ${channel}`);
    }
  }
  assert.deepEqual(offenders, []);
});

// Each world's compiler settings must reject the other worlds: write a probe, compile it, expect failure.
async function compiles(world: 'shared' | 'renderer', code: string): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(join(root, 'out', `.probe-${world}-`));
  await writeFile(join(dir, 'probe.ts'), code);
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: `../../${world}/tsconfig.json`, compilerOptions: { composite: false, noEmit: true, emitDeclarationOnly: false, rootDir: '.' }, include: ['probe.ts'] }),
  );
  try {
    await run(bin('tsc'), ['-p', join(dir, 'tsconfig.json')]);
    return { ok: true, output: '' };
  } catch (error) {
    return { ok: false, output: String(error) };
  }
}

test('the renderer world cannot compile Node imports or globals', async () => {
  const node = await compiles('renderer', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
  assert.equal(node.ok, false, 'node:fs compiled in the renderer');
  const global = await compiles('renderer', 'export const x = process.env;\n');
  assert.equal(global.ok, false, 'process compiled in the renderer');
  const fine = await compiles('renderer', 'export const x = document.title;\n');
  assert.equal(fine.ok, true, fine.output);
});

test('the shared world compiles neither Node nor the DOM', async () => {
  assert.equal((await compiles('shared', "import { join } from 'node:path';\nexport const x = join;\n")).ok, false);
  assert.equal((await compiles('shared', 'export const x = document.title;\n')).ok, false);
  assert.equal((await compiles('shared', 'export const x = Buffer.from("a");\n')).ok, false);
  const fine = await compiles('shared', 'export const x = [1, 2].map((n) => n * 2);\n');
  assert.equal(fine.ok, true, fine.output);
});

async function lint(path: string, code: string): Promise<string> {
  try {
    return await run(bin('eslint'), ['-c', join(root, 'build', 'eslint.config.js'), '--stdin', '--stdin-filename', path], { cwd: root, input: code });
  } catch (error) {
    return String(error);
  }
}

test('the linter enforces the import boundaries between worlds and adapters', async () => {
  assert.match(await lint('main/system/probe.ts', "import { app } from 'electron';\nexport const a = app;\n"), /electron/);
  assert.match(await lint('main/system/probe.ts', "import * as p from 'pkcs11js';\nexport const a = p;\n"), /pkcs11js/);
  assert.match(await lint('main/system/probe.ts', "import * as k from '@napi-rs/keyring';\nexport const a = k;\n"), /@napi-rs\/keyring/);
  assert.match(await lint('main/system/probe.ts', "import { x } from '../../renderer/api/client.ts';\nexport const a = x;\n"), /renderer/);
  assert.match(await lint('renderer/app/probe.ts', "import { x } from '../../main/errors.ts';\nexport const a = x;\n"), /main/);
  assert.match(await lint('renderer/app/probe.ts', "import { readFile } from 'fs';\nexport const a = readFile;\n"), /fs/);
  assert.match(await lint('shared/probe.ts', "import React from 'react';\nexport const a = React;\n"), /react/);
  assert.doesNotMatch(await lint('main/electron/probe.ts', "import { app } from 'electron';\nexport const a = app;\n"), /error/);
  assert.doesNotMatch(await lint('main/platform/pkcs11.adapter.ts', "import * as p from 'pkcs11js';\nexport const a = p;\n"), /error/);
});

test('the linter keeps the floors of main: no file imports from a higher floor', async () => {
  const groundOnCapability = await lint('main/encoding/probe.ts', "import { KeyService } from '../keys/keys.service.ts';\nexport const a = KeyService;\n");
  assert.match(groundOnCapability, /floors\/no-upward-imports/);
  assert.match(groundOnCapability, /main\/keys/);
  assert.match(await lint('main/platform/probe.ts', "import type { AuditLog } from '../audit/audit.log.ts';\nexport type A = AuditLog;\n"), /floors\/no-upward-imports/);
  assert.match(await lint('main/errors.ts', "import { KeyService } from './keys/keys.service.ts';\nexport const a = KeyService;\n"), /floors\/no-upward-imports/);
  const capabilityOnApp = await lint('main/workshop/probe.ts', "import type { AppContext } from '../app/app.context.ts';\nexport type A = AppContext;\n");
  assert.match(capabilityOnApp, /floors\/no-upward-imports/);
  assert.match(capabilityOnApp, /main\/app/);
  assert.match(await lint('main/keys/probe.ts', "export const a = () => import('../cli/prompt.ts');\n"), /floors\/no-upward-imports/);
  assert.doesNotMatch(await lint('main/keys/probe.ts', "import { encodeOid } from '../encoding/der.ts';\nexport const a = encodeOid;\n"), /error/);
  assert.doesNotMatch(await lint('main/cli/probe.ts', "import { KeyService } from '../keys/keys.service.ts';\nexport const a = KeyService;\n"), /error/);
});

test('the linter keeps the floors of the renderer: features import shared state and widgets, never each other', async () => {
  const featureOnFeature = await lint('renderer/sign/probe.ts', "import { ImagesScreen } from '../images/images.screen.tsx';\nexport const a = ImagesScreen;\n");
  assert.match(featureOnFeature, /floors\/no-upward-imports/);
  assert.match(featureOnFeature, /renderer\/images/);
  assert.match(await lint('renderer/workshop/probe.ts', "import type { SignStep } from '../sign/sign.store.ts';\nexport type A = SignStep;\n"), /floors\/no-upward-imports/);
  assert.match(await lint('renderer/sign/probe.ts', "export const a = () => import('../workshop/workshop.store.ts');\n"), /floors\/no-upward-imports/);
  const uiOnFeature = await lint('renderer/ui/probe.ts', "import { KeysScreen } from '../keys/keys.screen.tsx';\nexport const a = KeysScreen;\n");
  assert.match(uiOnFeature, /floors\/no-upward-imports/);
  assert.match(uiOnFeature, /renderer\/keys/);
  assert.match(await lint('renderer/state/probe.ts', "import { usePolicies } from '../policies/policies.store.ts';\nexport const a = usePolicies;\n"), /floors\/no-upward-imports/);
  assert.match(await lint('renderer/keys/probe.ts', "import { AppShell } from '../shell/app.shell.tsx';\nexport const a = AppShell;\n"), /floors\/no-upward-imports/);
  assert.match(await lint('renderer/ui/probe.ts', "import { AppShell } from '../shell/app.shell.tsx';\nexport const a = AppShell;\n"), /floors\/no-upward-imports/);
  assert.match(await lint('renderer/pin/probe.ts', "import { ErrorBox } from '../ui/error-box.tsx';\nexport const a = ErrorBox;\n"), /floors\/no-upward-imports/);
  assert.match(await lint('renderer/keys/probe.ts', "import * as pin from '../pin/pin.ts';\nexport const a = pin;\n"), /floors\/no-upward-imports/);
  assert.doesNotMatch(await lint('renderer/sign/probe.ts', "import { ErrorBox } from '../ui/error-box.tsx';\nimport { useKeys } from '../state/keys.store.ts';\nimport { api } from '../api/client.ts';\nimport { useSign } from './sign.store.ts';\nexport const a = [ErrorBox, useKeys, api, useSign];\n"), /error/);
  assert.doesNotMatch(await lint('renderer/keys/recovery/probe.ts', "import { useCompromise } from '../compromise/compromise.store.ts';\nexport const a = useCompromise;\n"), /error/);
  assert.doesNotMatch(await lint('renderer/ui/probe.ts', "import { useSettings } from '../state/settings.store.ts';\nexport const a = useSettings;\n"), /error/);
  assert.doesNotMatch(await lint('renderer/shell/probe.ts', "import { KeysScreen } from '../keys/keys.screen.tsx';\nimport { useNav } from '../state/nav.store.ts';\nexport const a = [KeysScreen, useNav];\n"), /error/);
  assert.doesNotMatch(await lint('renderer/main.tsx', "import { AppShell } from './shell/app.shell.tsx';\nexport const a = AppShell;\n"), /error/);
});

// The folders of a world and the folders each imports from (relative imports, type-only ones included).
async function folderImports(world: 'main' | 'renderer'): Promise<Map<string, Set<string>>> {
  const top = join(root, world);
  const graph = new Map<string, Set<string>>();
  for (const file of await sourceFiles(top)) {
    const from = relative(top, file).split(sep)[0] ?? '';
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
      const target = relative(top, resolve(dirname(file), match[1] ?? ''));
      const to = target.split(sep)[0] ?? '';
      if (target.startsWith('..') || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)?.add(to);
    }
  }
  return graph;
}

// Every path by which a folder reaches itself again through the folders it imports.
function circlesIn(graph: Map<string, Set<string>>): string[] {
  const circles: string[] = [];
  for (const start of graph.keys()) {
    const paths: string[][] = [[start]];
    const seen = new Set<string>();
    while (paths.length > 0) {
      const path = paths.shift() ?? [];
      for (const next of graph.get(path[path.length - 1] ?? '') ?? []) {
        if (next === start) circles.push([...path, next].join(' -> '));
        else if (!seen.has(next)) {
          seen.add(next);
          paths.push([...path, next]);
        }
      }
    }
  }
  return circles;
}

test('the folders of main import one way: no folder reaches itself through others', async () => {
  const graph = await folderImports('main');
  assert.ok((graph.get('app')?.size ?? 0) > 5, 'the import scan found the composition root importing the capabilities');
  const circles = circlesIn(graph);
  assert.deepEqual(circles, []);
});

test('the folders of the renderer import one way: no folder reaches itself through others', async () => {
  const graph = await folderImports('renderer');
  assert.ok((graph.get('shell')?.size ?? 0) > 5, 'the import scan found the shell importing the features');
  assert.ok(graph.get('keys')?.has('state'), 'the import scan found a feature importing shared state');
  assert.deepEqual(circlesIn(graph), []);
});
