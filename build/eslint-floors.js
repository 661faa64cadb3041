// The floors of main/ and of renderer/: a file imports from its own floor or lower, never higher (see ARCHITECTURE.md).
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Floor 0: encodings, native adapters and their interfaces, errors, storage. Floor 2: composition and hosts. Everything else in main/ is a capability on floor 1. */
export const floors = {
  ground: ['encoding', 'platform', 'storage', 'errors.ts'],
  hosts: ['app', 'ipc', 'cli', 'web', 'electron'],
};

/** Floor 0: the typed client, shared state, shared widgets, and the PIN page that stands alone. Floor 2: the shell and the entry. Every other folder is a feature on floor 1. */
export const rendererFloors = {
  ground: ['api', 'state', 'ui', 'pin'],
  hosts: ['shell', 'main.tsx'],
  standalone: ['pin'],
};

// Each checked world: its folder, its floors, and whether the folders of its middle floor may import each other.
const worlds = [
  {
    name: 'main',
    dir: resolve(root, 'main'),
    floors,
    standalone: [],
    sideways: true,
    names: ['ground floor (encoding, platform, storage, errors)', 'capability floor', 'composition and hosts floor'],
    advice: { upward: 'depend on an interface on a lower floor instead' },
  },
  {
    name: 'renderer',
    dir: resolve(root, 'renderer'),
    floors: rendererFloors,
    standalone: rendererFloors.standalone,
    sideways: false,
    names: ['shared floor (api, state, ui, pin)', 'feature floor', 'shell floor (shell, main.tsx)'],
    advice: { upward: 'move what it needs down to renderer/ui/ or renderer/state/, or let the higher floor pass it in', sideways: 'move what both need down to renderer/ui/ or renderer/state/' },
  },
];

// Which world and floor a path stands on, with the top folder that places it; null outside every checked world.
function placeOf(path) {
  for (const world of worlds) {
    const inside = relative(world.dir, path);
    if (inside === '' || inside.startsWith('..')) continue;
    const top = inside.split(sep)[0];
    const floor = world.floors.ground.includes(top) ? 0 : world.floors.hosts.includes(top) ? 2 : 1;
    return { world, top, floor };
  }
  return null;
}

// Why an import from here to there breaks the floors, or null when it keeps them.
function breach(here, there) {
  if (!there || there.world !== here.world || there.top === here.top) return null;
  if (here.world.standalone.includes(here.top) || here.world.standalone.includes(there.top)) return 'standalone';
  if (there.floor > here.floor) return 'upward';
  if (there.floor === 1 && here.floor === 1 && !here.world.sideways) return 'sideways';
  return null;
}

const noUpwardImports = {
  meta: {
    type: 'problem',
    docs: { description: 'A file in main/ or renderer/ imports only from its own floor or a lower one; renderer features do not import each other.' },
    schema: [],
    messages: {
      upward: '{{world}}/{{from}} is on the {{fromFloor}} and cannot import {{world}}/{{to}} on the {{toFloor}}; {{advice}} (ARCHITECTURE.md).',
      sideways: '{{world}}/{{from}} is in the {{fromTop}} feature and cannot import {{world}}/{{to}} from the {{toTop}} feature; {{advice}} (ARCHITECTURE.md).',
      standalone: '{{world}}/{{from}} cannot import {{world}}/{{to}}: {{world}}/{{standalone}}/ is a page of its own and shares no module with the rest of {{world}}/ (ARCHITECTURE.md).',
    },
  },
  create(context) {
    const file = resolve(context.cwd, context.filename);
    const here = placeOf(file);
    if (!here) return {};
    const { world } = here;
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const there = placeOf(resolve(dirname(file), source.value));
      const messageId = breach(here, there);
      if (!messageId) return;
      const standalone = world.standalone.includes(here.top) ? here.top : there.top;
      context.report({
        node,
        messageId,
        data: { world: world.name, from: relative(world.dir, file), fromFloor: world.names[here.floor], fromTop: here.top, to: there.top, toFloor: world.names[there.floor], toTop: there.top, advice: world.advice[messageId] ?? '', standalone },
      });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : null),
    };
  },
};

/** The local plugin: `floors/no-upward-imports`. */
export default { meta: { name: 'signet-floors' }, rules: { 'no-upward-imports': noUpwardImports } };
