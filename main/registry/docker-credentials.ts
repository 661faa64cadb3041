import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileIfExists } from '../storage/atomic-file.ts';
import { SignetError } from '../errors.ts';
import type { CredentialSource, Credentials } from './registry.client.ts';
import type { SecretStore } from '../platform/keychain.types.ts';

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The credentials `docker login` left: config.json entries and credential helpers, as docker itself reads them. */
export class DockerCredentials implements CredentialSource {
  private readonly configDir: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.configDir = env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  }

  // A helper named for the host wins, then the default store, then an inline entry.
  async credentialsFor(registryHost: string): Promise<Credentials | null> {
    const text = await readFileIfExists(join(this.configDir, 'config.json'));
    if (text === null) return null;
    let config: DockerConfig;
    try {
      config = JSON.parse(text) as DockerConfig;
    } catch {
      throw new SignetError('BadInput', `${join(this.configDir, 'config.json')} is not JSON.`);
    }
    const names = registryHost === 'registry-1.docker.io' ? ['https://index.docker.io/v1/', 'docker.io', registryHost] : [registryHost, `https://${registryHost}`, `http://${registryHost}`];
    const helper = names.map((n) => config.credHelpers?.[n]).find(Boolean) ?? config.credsStore;
    if (helper) {
      const fromHelper = await runHelper(helper, names[0]!);
      if (fromHelper) return fromHelper;
    }
    for (const name of names) {
      const entry = config.auths?.[name];
      if (!entry) continue;
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
      if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    }
    return null;
  }
}

// docker-credential-<name> get: the server on stdin, {Username, Secret} on stdout; "not found" is no credentials.
function runHelper(name: string, server: string): Promise<Credentials | null> {
  if (!/^[a-zA-Z0-9_-]+$/.test(name)) return Promise.reject(new SignetError('BadInput', `"${name}" is not a credential helper name.`));
  return new Promise((resolve, reject) => {
    // node:child_process is loaded only here: most runs never need a helper, and loading it costs every run a few milliseconds.
    const child = process.getBuiltinModule('node:child_process').execFile(`docker-credential-${name}`, ['get'], { timeout: 10_000, maxBuffer: 64 * 1024 }, (error, stdout) => {
      if (error) {
        if (/not found|credentials not found/i.test(`${stdout}${error.message}`)) resolve(null);
        else reject(new SignetError('Unavailable', `The credential helper docker-credential-${name} failed: ${error.message.split('\n')[0]}`));
        return;
      }
      try {
        const parsed = JSON.parse(stdout) as { Username?: string; Secret?: string };
        resolve(parsed.Username && parsed.Secret ? { username: parsed.Username, password: parsed.Secret } : null);
      } catch {
        reject(new SignetError('Unavailable', `The credential helper docker-credential-${name} answered with something other than JSON.`));
      }
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(server);
  });
}

/** Registry passwords kept in the OS keychain (`signet registries login`), tried before Docker's. */
export class KeychainRegistryCredentials implements CredentialSource {
  private readonly keychain: SecretStore;
  private readonly fallback: CredentialSource | null;

  constructor(keychain: SecretStore, fallback: CredentialSource | null = null) {
    this.keychain = keychain;
    this.fallback = fallback;
  }

  // A machine with no keychain service (a CI runner, a container) still pulls with Docker's credentials or none; a locked keychain stays an error.
  async credentialsFor(registryHost: string): Promise<Credentials | null> {
    let stored: string | null = null;
    try {
      stored = await this.keychain.get(`registry:${registryHost}`);
    } catch (error) {
      if (!(error instanceof SignetError && error.code === 'Unavailable')) throw error;
    }
    if (stored) {
      const parsed = JSON.parse(stored) as { username?: string; password?: string };
      if (parsed.username && parsed.password) return { username: parsed.username, password: parsed.password };
    }
    return this.fallback ? this.fallback.credentialsFor(registryHost) : null;
  }

  // Stores the credentials only in the keychain; nothing is written to a file.
  async remember(registryHost: string, credentials: Credentials): Promise<void> {
    await this.keychain.set(`registry:${registryHost}`, JSON.stringify(credentials));
  }
}
