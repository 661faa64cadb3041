import { createPrivateKey, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Pkcs11jsDriver } from '../platform/pkcs11.adapter.ts';
import { signOnToken } from '../keys/token-signing.ts';
import type { FreshTokenReply, FreshTokenRequest } from './fresh-token.drill.ts';
import { readScriptRequest, sendScriptReply } from '../platform/script-runner.ts';

// A restore drill's own process: SoftHSM reads its configuration once per process, so a token nobody else sees
// needs a process whose SOFTHSM2_CONF points at a folder made for the drill. Keys arrive from the parent (on stdin,
// or as a message to a utility process) and live only in session objects; the token's PINs are made here and never leave.
async function main(): Promise<void> {
  const request = JSON.parse(await readScriptRequest()) as FreshTokenRequest;
  await assertPrivateConfiguration(request.tokenDir);
  const driver = new Pkcs11jsDriver();
  const userPin = randomBytes(16).toString('hex');
  await driver.initToken(request.modulePath, request.tokenLabel, randomBytes(16).toString('hex'), userPin);
  const token = await driver.openToken({ modulePath: request.modulePath, tokenLabel: request.tokenLabel }, userPin, 1);
  const reply: FreshTokenReply = { serial: token.serial, results: [] };
  try {
    for (const key of request.keys) {
      const objectId = randomBytes(16);
      try {
        const privateKey = createPrivateKey({ key: Buffer.from(key.pkcs8, 'base64'), format: 'der', type: 'pkcs8' });
        await token.importPrivateKey(privateKey, { algorithm: key.algorithm, label: `signet drill ${key.keyId}`, objectId, publicKeySpki: Buffer.from(key.spki, 'base64'), persist: false });
        const signature = await signOnToken(token, objectId, key.algorithm, Buffer.from(key.message, 'base64'), null);
        reply.results.push({ keyId: key.keyId, signature: signature.toString('base64') });
      } catch (error) {
        reply.results.push({ keyId: key.keyId, error: (error as Error).message });
      } finally {
        await token.destroy(objectId).catch(() => 0);
      }
    }
  } finally {
    await token.close();
  }
  sendScriptReply(JSON.stringify(reply));
}

// Initialising "the first empty token" is safe only in the drill's own token folder, never in a person's SoftHSM.
async function assertPrivateConfiguration(tokenDir: string): Promise<void> {
  const conf = process.env.SOFTHSM2_CONF;
  if (!conf) throw new Error('SOFTHSM2_CONF is not set; the drill token would land in the default SoftHSM store.');
  const text = await readFile(conf, 'utf8');
  const configured = /^\s*directories\.tokendir\s*=\s*(.+?)\s*$/m.exec(text)?.[1];
  if (configured !== tokenDir) throw new Error(`SOFTHSM2_CONF names the token folder ${configured ?? '(none)'}, not the drill's own ${tokenDir}.`);
}

main().catch((error: unknown) => {
  sendScriptReply(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
  process.exitCode = 1;
});
