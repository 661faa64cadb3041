import { createHash, randomBytes } from 'node:crypto';
import { isLoopbackHost } from '../../shared/model/settings.model.ts';
import { SignetError } from '../errors.ts';
import { derChildren } from '../encoding/der.ts';
import { derBoolean, derInteger, derNull, derOctetString, derOid, derSequence } from '../encoding/der-writer.ts';
import { timestampCovers } from '../signatures/rfc3161.ts';

const SHA256 = '2.16.840.1.101.3.4.2.1';
const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * Asks an RFC 3161 timestamp authority to countersign a signature. The answer is checked to be
 * granted, to cover exactly these bytes and to carry its signer; whether that authority is trusted
 * is decided by whoever verifies.
 */
export async function requestTimestamp(url: string, signed: Buffer, timeoutMs = 15_000): Promise<Buffer> {
  const target = new URL(url);
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && isLoopbackHost(target.hostname))) {
    throw new SignetError('Forbidden', `The timestamp authority ${target.host} is not HTTPS; only loopback may use plain HTTP.`);
  }
  const request = derSequence(
    derInteger(1),
    derSequence(derSequence(derOid(SHA256), derNull()), derOctetString(createHash('sha256').update(signed).digest())),
    derInteger(Buffer.concat([Buffer.from([0x01]), randomBytes(8)])),
    derBoolean(true),
  );
  let response: Response;
  try {
    response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' }, body: new Uint8Array(request), signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new SignetError('Unavailable', `The timestamp authority at ${target.host} could not be reached (${(error as Error).message}); nothing was signed.`);
  }
  if (!response.ok) throw new SignetError('Unavailable', `The timestamp authority at ${target.host} answered HTTP ${response.status}; nothing was signed.`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > MAX_RESPONSE_BYTES) throw new SignetError('BadInput', `The timestamp authority's answer is ${bytes.length} bytes; refused.`);
  try {
    const status = derChildren(derChildren(bytes)[0]!.bytes)[0]!;
    const granted = status.content.length === 1 && status.content[0]! <= 1;
    if (!granted) throw new Error(`status ${status.content.toString('hex')}`);
    timestampCovers(bytes, signed);
  } catch (error) {
    throw new SignetError('BadInput', `The timestamp authority at ${target.host} did not grant a valid timestamp (${(error as Error).message}); nothing was signed.`);
  }
  return bytes;
}
