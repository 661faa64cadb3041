import { get, Agent } from 'node:http';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

// The least a Node process can do to check a cosign signature with a key: three plain-HTTP reads of the loopback
// registry and one node:crypto verify, with no cache, no policy, no other attachment and no report. The verify
// benchmark times it as a fresh process, so the floor the Node runtime sets sits beside Signet's and cosign's figures.
const [image, keyFile] = process.argv.slice(2) as [string, string];
const [host, name, tag] = /^([^/]+)\/(.+):([^:/]+)$/.exec(image)!.slice(1) as [string, string, string];
const [hostname, port] = host.split(':') as [string, string];
const agent = new Agent({ keepAlive: true });
const ACCEPT = 'application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.v2+json';

function read(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get({ hostname, port, path, agent, headers: { accept: ACCEPT } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => (answer.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${path}: HTTP ${answer.statusCode}`))));
    }).on('error', reject);
  });
}

const manifest = await read(`/v2/${name}/manifests/${tag}`);
const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
const signatures = JSON.parse((await read(`/v2/${name}/manifests/${digest.replace(':', '-')}.sig`)).toString()) as { layers: { digest: string; annotations: Record<string, string> }[] };
const layer = signatures.layers[0]!;
const payload = await read(`/v2/${name}/blobs/${layer.digest}`);
const signed = verify('sha256', payload, createPublicKey(readFileSync(keyFile)), Buffer.from(layer.annotations['dev.cosignproject.cosign/signature']!, 'base64'));
const names = (JSON.parse(payload.toString()) as { critical: { image: { 'docker-manifest-digest': string } } }).critical.image['docker-manifest-digest'];
agent.destroy();
if (!signed || names !== digest) {
  process.stderr.write('the signature does not verify\n');
  process.exitCode = 1;
}
