// Runs key operations in a loop until it is killed; prints a line after each one that completed.
import { createApp } from '../../main/app/app.context.ts';
import { ScriptedConfirmation } from './confirmations.ts';

const modulePath = process.env.CRASH_MODULE!;
const tokenLabel = process.env.CRASH_TOKEN!;
const app = createApp({ host: 'cli', confirmations: new ScriptedConfirmation() });
await app.pins.remember({ modulePath, tokenLabel }, process.env.CRASH_PIN!);
const call = async (channel: string, input: unknown) => {
  const result = await app.dispatch(channel, input, { host: 'cli' });
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.value as { id: string; status: string; successor: string | null };
};

for (let n = 0; ; n++) {
  const label = `crash ${process.pid} ${n}`;
  const backend = n % 2 === 0 ? { kind: 'pkcs11', modulePath, tokenLabel } : { kind: 'software' };
  const key = await call('keys.generate', { backend, label });
  console.log(`generated ${key.id}`);
  const keys = (await call('keys.list', {})) as unknown as { id: string; status: string; successor: string | null }[];
  const active = keys.filter((k) => k.status === 'active' && !k.successor);
  const target = active[Math.floor(Math.random() * active.length)]!;
  const revoke = n % 3 === 0;
  const request = revoke
    ? { action: 'revoke', keyId: target.id, reason: 'superseded', invalidSince: new Date().toISOString() }
    : { action: 'rotate', keyId: target.id, overlapDays: 1 };
  const intent = (await call('keys.prepare', request)) as unknown as { intentId: string };
  const result = await call('keys.confirm', { intentId: intent.intentId });
  console.log(`${revoke ? 'revoked' : 'rotated'} ${target.id} ${result.id}`);
}
