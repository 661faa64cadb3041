import assert from 'node:assert/strict';
import type { HostKind } from '../../shared/model/system.model.ts';
import type { Dispatch } from '../../main/ipc/dispatcher.ts';

// One channel through the app's dispatcher, as a host would call it; a refusal becomes an error that carries its code.
export async function callChannel<T>(app: { dispatch: Dispatch }, channel: string, input: unknown = {}, host: HostKind = 'electron'): Promise<T> {
  const result = await app.dispatch(channel, input, { host });
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as T;
}

// The promise must be refused with this code (or one of these) and, when given, words matching the pattern.
export async function refused(promise: Promise<unknown>, code: string | string[], pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error & { code?: string }) => {
    if (Array.isArray(code)) assert.ok(code.includes(error.code ?? ''), `${error.code}: ${error.message}`);
    else assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

// Designates the revocation-list admin key as every host must: a key action main states, then the host's confirmation.
export async function designateAdminKey<T>(app: { dispatch: Dispatch }, keyId: string, host: HostKind = 'electron'): Promise<T> {
  const intent = await callChannel<{ intentId: string }>(app, 'keys.prepare', { action: 'set-admin', keyId }, host);
  return callChannel<T>(app, 'keys.confirm', { intentId: intent.intentId }, host);
}
