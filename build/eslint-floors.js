// The floors of main/: a file imports from its own floor or lower, never higher (see ARCHITECTURE.md).
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = resolve(root, 'main');

/** Floor 0: encodings, native adapters and their interfaces, errors, storage. Floor 2: composition and hosts. Everything else in main/ is a capability on floor 1. */
export const floors = {
  ground: ['encoding', 'platform', 'storage', 'errors.ts'],
  hosts: ['app', 'ipc', 'cli', 'web', 'electron'],
};
const names = ['ground floor (encoding, platform, storage, errors)', 'capability floor', 'composition and hosts floor'];

// Which floor a path in main/ stands on, with the top folder that places it; null outside main/.
function placeOf(path) {
  const inside = relative(main, path);
  if (inside === '' || inside.startsWith('..')) return null;
  const top = inside.split(sep)[0];
  const floor = floors.ground.includes(top) ? 0 : floors.hosts.includes(top) ? 2 : 1;
  return { top, floor };
}

const noUpwardImports = {
  meta: {
    type: 'problem',
    docs: { description: 'A file in main/ imports only from its own floor or a lower one.' },
    schema: [],
    messages: {
      upward: 'main/{{from}} is on the {{fromFloor}} and cannot import main/{{to}} on the {{toFloor}}; depend on an interface on a lower floor instead (ARCHITECTURE.md).',
    },
  },
  create(context) {
    const file = resolve(context.cwd, context.filename);
    const here = placeOf(file);
    if (!here) return {};
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const there = placeOf(resolve(dirname(file), source.value));
      if (!there || there.floor <= here.floor) return;
      context.report({ node, messageId: 'upward', data: { from: relative(main, file), fromFloor: names[here.floor], to: there.top, toFloor: names[there.floor] } });
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
