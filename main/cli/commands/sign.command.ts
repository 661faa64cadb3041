import type { Client } from '../../../shared/client.ts';
import type { SignResult } from '../../../shared/model/signing.model.ts';
import { arg, flag, listOf, many, string, UsageError } from './command.options.ts';
import type { CommandTable, Values } from './command.types.ts';

const signOptions = {
  key: string('ID|LABEL', 'the inventory key to sign with (required)'),
  format: string('FORMAT', 'cosign (default), sigstore-bundle or notation'),
  'index-only': flag('sign only the index, not each platform manifest'),
  annotation: many('K=V', 'an annotation in the signature; repeat for more'),
  timestamp: flag('add an RFC 3161 timestamp from the configured timestamp authority'),
  insecure: flag('talk to the registry over plain HTTP or with an unverified certificate'),
} as const;

const signNotes = ['What will be signed is shown first and the word "sign" must be typed at the terminal; nothing goes to a public transparency log.', 'Exit 1 when a pushed signature does not verify on read-back.'];

// --annotation K=V, repeatable; the contract checks the characters.
function annotations(values: Values): Record<string, string> {
  return Object.fromEntries(
    listOf(values, 'annotation').map((item) => {
      const at = item.indexOf('=');
      if (at <= 0) throw new UsageError(`--annotation ${item}: write KEY=VALUE`);
      return [item.slice(0, at), item.slice(at + 1)];
    }),
  );
}

async function keyIdOf(call: Client, wanted: unknown): Promise<string> {
  if (typeof wanted !== 'string') throw new UsageError('--key is required (a key id or label)');
  const key = (await call.keys.list({})).find((k) => k.id === wanted || k.label === wanted);
  if (!key) throw new UsageError(`no key ${wanted} in the inventory`);
  return key.id;
}

function signedText(result: SignResult): string {
  const lines = result.signed.map((s) => `${s.verdict.padEnd(11)} ${s.digest}${s.platform ? ` ${s.platform}` : s.tag ? ` ${s.tag}` : ''}
            ${s.reason}
            wrote ${s.written.join(', ') || 'nothing new'}`);
  return `${result.cancelled ? 'Cancelled after' : 'Signed'} ${result.signed.length} manifest(s) as ${result.format} with ${result.fingerprint} (${result.requests} registry requests)\n${lines.join('\n')}`;
}

// A signature that was pushed but does not verify on read-back is a failure a pipeline must see.
function exitCode(result: SignResult): number {
  return result.signed.every((s) => s.verdict === 'verified') ? 0 : 1;
}

/** `signet sign` and `signet sign-tags`: one intent, confirmed at the terminal, then the signatures pushed and verified. */
export const signCommands: CommandTable = {
  sign: {
    summary: 'sign an image (an index and each platform manifest) after a typed confirmation',
    options: signOptions,
    positionals: [arg('IMAGE', 'REGISTRY/REPOSITORY[:TAG|@DIGEST]')],
    notes: signNotes,
    run: async (session, v, [image]) => {
      const call = await session.client();
      const keyId = await keyIdOf(call, v.key);
      const plan = await call.signing.plan({ reference: image!, insecure: v.insecure === true });
      const manifests = v['index-only'] === true ? [plan.digest] : plan.manifests.map((m) => m.digest);
      const intent = await call.signing.prepare({ reference: image!, digest: plan.digest, manifests, keyId, format: v.format as never, annotations: annotations(v), timestamp: v.timestamp === true, insecure: v.insecure === true });
      const result = await call.signing.confirm({ intentId: intent.intentId });
      return { text: signedText(result), json: result, code: exitCode(result) };
    },
  },
  'sign-tags': {
    summary: 'sign every tag matching a pattern after one confirmation listing every digest',
    options: { ...signOptions, tags: string('PATTERN', 'the tags to sign, with * and ? (required)') },
    positionals: [arg('REPOSITORY', 'REGISTRY/REPOSITORY')],
    notes: signNotes,
    run: async (session, v, [repository]) => {
      if (typeof v.tags !== 'string') throw new UsageError('--tags PATTERN is required');
      const call = await session.client();
      const keyId = await keyIdOf(call, v.key);
      const intent = await call.signing.prepareBulk({ repository: repository!, tagPattern: v.tags, platforms: v['index-only'] !== true, keyId, format: v.format as never, annotations: annotations(v), timestamp: v.timestamp === true, insecure: v.insecure === true });
      const result = await call.signing.confirm({ intentId: intent.intentId });
      return { text: signedText(result), json: result, code: exitCode(result) };
    },
  },
};
