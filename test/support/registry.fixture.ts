import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, start, waitFor } from './processes.ts';

export interface Registry {
  url: string;
  stop(): Promise<void>;
}

// A real distribution 2.8 registry on loopback with its storage in a temporary folder.
export async function startRegistry(): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      // Access lines would fill the output pipe while a test or benchmark waits synchronously on a child, and stall the registry.
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const registry = start('docker-registry', ['serve', config]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the registry', async () => (await fetch(`${url}/v2/`)).status === 200, 15_000, registry.output);
  return {
    url,
    stop: async () => {
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
