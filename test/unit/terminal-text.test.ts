import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { escapeControls, escapeForConfirmation } from '../../shared/terminal-text.ts';
import { formatTree, formatVerdict } from '../../main/cli/commands/verify.command.ts';
import { formatStatus } from '../../main/cli/status.format.ts';
import { TerminalConfirmation } from '../../main/cli/confirm.terminal.ts';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import type { SystemStatus } from '../../shared/model/system.model.ts';

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test('control characters (C0, DEL, C1, ESC) are shown as escapes, not acted on', () => {
  assert.equal(escapeControls('\x1b]0;owned\x07title'), '\\x1b]0;owned\\x07title');
  assert.equal(escapeControls('a\x7fb\u009bc\x00'), 'a\\x7fb\\x9bc\\x00');
  assert.equal(escapeControls('two\nlines\tand\r'), 'two\\x0alines\\x09and\\x0d');
  assert.equal(escapeControls('two\nlines\tand\r', { keepNewlines: true }), 'two\nlines\tand\\x0d');
  assert.equal(escapeControls('plain ✓ text, ünïcode'), 'plain ✓ text, ünïcode');
  assert.equal(escapeControls(escapeControls('\x1b[2J')), '\\x1b[2J', 'escaping twice changes nothing');
});

test('a confirmation fact shows bidi controls and separators by code point', () => {
  assert.equal(escapeForConfirmation('team/app\u202Egpj.exe'), 'team/app<U+202E>gpj.exe');
  assert.equal(escapeForConfirmation('\u2066x\u2069\u200e\u200f\u2028\u2029\u202a'), '<U+2066>x<U+2069><U+200E><U+200F><U+2028><U+2029><U+202A>');
  assert.equal(escapeForConfirmation('\x1b[32mverified'), '\\x1b[32mverified');
});

function report(reason: string, label: string, problems: string[]): ChainReport {
  const digest = `sha256:${'a'.repeat(64)}`;
  return {
    reference: 'registry.example/app:v1',
    checkedAt: new Date(0).toISOString(),
    verdict: 'failed',
    reason,
    nodes: [
      { id: 'reference', kind: 'reference', label: 'registry.example/app:v1', verdict: 'failed', reason: '', details: {} },
      { id: digest, kind: 'manifest', label, verdict: 'failed', reason, details: {} },
    ],
    edges: [{ from: 'reference', to: digest, label: 'resolves to' }],
    graph: { reference: 'registry.example/app:v1', source: 'registry.example', repository: 'app', tag: 'v1', root: { digest, mediaType: '', size: 1, kind: 'manifest', platform: null, children: [], attachments: [] }, problems },
  };
}

test('verify and tree text escape what the registry wrote and show every problem on the chain', () => {
  const hostile = report('bad\x1b[2J\x1b]0;pwned\x07\n✓ verified registry.example/app:v1', 'Manifest\x1b[32m', ['The referrers of sha256:aa could not be read: unreadable: not JSON\x1b[1m', 'second problem']);
  for (const text of [formatVerdict(hostile), formatTree(hostile)]) {
    assert.doesNotMatch(text, RAW_CONTROL, text);
    assert.match(text, /\\x1b\[2J/);
    assert.match(text, /problem: The referrers of sha256:aa could not be read: unreadable: not JSON\\x1b\[1m/);
    assert.match(text, /problem: second problem/);
    assert.ok(!text.split('\n').some((line) => line.startsWith('✓ verified')), 'a reason cannot start a line of its own');
  }
});

test('status text shows module and token strings with their controls visible', () => {
  const status = {
    versions: { signet: '0', host: 'cli', platform: 'linux', arch: 'x64', node: '24', electron: null },
    pkcs11Modules: [{ path: '/lib/x.so', kind: 'softhsm', loaded: true, source: 'found', library: { description: 'evil\x1b]0;t\x07', libraryVersion: '1', manufacturer: 'm' }, error: null, slots: [{ slotId: 1, token: { label: 'tok\x1b[2J', serial: 's', initialized: true, userPinLocked: false } }] }],
    keychain: { available: true, backend: 'memory', detail: 'ok' },
    registries: [],
    tools: [],
    notices: [],
  } as unknown as SystemStatus;
  const text = formatStatus(status);
  assert.doesNotMatch(text, RAW_CONTROL);
  assert.match(text, /evil\\x1b\]0;t\\x07/);
  assert.match(text, /tok\\x1b\[2J/);
});

test('a terminal confirmation prints facts with bidi controls and escapes named', async () => {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const asked = new TerminalConfirmation(input, output).confirm({ title: 'Sign', message: 'Sign this?', confirmLabel: 'Sign', facts: [{ label: 'Repository', value: 'team/\u202Eppa\x1b[2J' }] });
  setImmediate(() => input.end('sign\n'));
  assert.equal(await asked, true);
  assert.match(printed, /Repository: team\/<U\+202E>ppa\\x1b\[2J/);
  assert.ok(!printed.includes('\u202e') && !printed.includes('\u001b'));
});
