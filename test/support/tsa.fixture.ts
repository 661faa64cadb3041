import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes.ts';

export interface TimestampAuthority {
  url: string;
  /** PEM of the TSA root and leaf, as `cosign verify --timestamp-certificate-chain` takes it. */
  chainFile: string;
  rootPem: string;
  stop(): Promise<void>;
}

// An RFC 3161 timestamp authority on loopback: OpenSSL's `ts -reply` behind a tiny HTTP endpoint, with its own CA.
export async function startTimestampAuthority(): Promise<TimestampAuthority> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-tsa-'));
  const at = (name: string) => join(dir, name);
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  await writeFile(at('ext.cnf'), ['[leaf]', 'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=critical,timeStamping', ''].join('\n'));
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', at('root.key')]);
  await openssl(['req', '-new', '-x509', '-key', at('root.key'), '-subj', '/O=Signet Test/CN=Test TSA Root', '-days', '30', '-out', at('root.pem')]);
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', at('tsa.key')]);
  await openssl(['req', '-new', '-key', at('tsa.key'), '-subj', '/O=Signet Test/CN=Test TSA', '-out', at('tsa.csr')]);
  await openssl(['x509', '-req', '-in', at('tsa.csr'), '-CA', at('root.pem'), '-CAkey', at('root.key'), '-CAcreateserial', '-days', '30', '-extfile', at('ext.cnf'), '-extensions', 'leaf', '-out', at('tsa.pem')]);
  await writeFile(at('serial'), '01\n');
  await writeFile(at('ts.cnf'), [
    '[tsa]', 'default_tsa = signet_test', '[signet_test]',
    `serial = ${at('serial')}`, 'crypto_device = builtin', `signer_cert = ${at('tsa.pem')}`, `certs = ${at('root.pem')}`,
    `signer_key = ${at('tsa.key')}`, 'signer_digest = sha256', 'default_policy = 1.3.6.1.4.1.57264.2', 'digests = sha256, sha384, sha512',
    'accuracy = secs:1', 'ordering = yes', 'tsa_name = yes', 'ess_cert_id_chain = no', 'ess_cert_id_alg = sha256', '',
  ].join('\n'));
  const rootPem = await readFile(at('root.pem'), 'utf8');
  await writeFile(at('chain.pem'), rootPem + (await readFile(at('tsa.pem'), 'utf8')));

  let count = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = ++count;
      void (async () => {
        await writeFile(at(`q${id}.tsq`), Buffer.concat(chunks));
        await run('openssl', ['ts', '-reply', '-config', at('ts.cnf'), '-queryfile', at(`q${id}.tsq`), '-out', at(`r${id}.tsr`)], { cwd: dir });
        const reply = await readFile(at(`r${id}.tsr`));
        response.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': reply.length });
        response.end(reply);
      })().catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the timestamp authority has no port');
  return {
    url: `http://127.0.0.1:${address.port}/tsr`,
    chainFile: at('chain.pem'),
    rootPem,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
