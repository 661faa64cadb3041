import type { RegistryConfig } from '../../shared/model/settings.model.ts';
import type { RegistryStatus } from '../../shared/model/system.model.ts';
import { appError } from '../../shared/errors.ts';

export interface RegistryProbeOptions {
  timeoutMs?: number;
}

// Asks the registry's API root, the one request every OCI distribution registry must answer, without following redirects or sending credentials.
export async function probeRegistry(registry: RegistryConfig, options: RegistryProbeOptions = {}): Promise<RegistryStatus> {
  const base: RegistryStatus = {
    name: registry.name,
    url: registry.url,
    reachable: false,
    auth: null,
    apiVersion: null,
    latencyMs: null,
    error: null,
  };
  const started = performance.now();
  const endpoint = new URL('/v2/', registry.url);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 4000),
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    return { ...base, error: describeFetchError(error, endpoint) };
  }
  const latencyMs = Math.round(performance.now() - started);
  await response.body?.cancel().catch(() => undefined);
  const apiVersion = response.headers.get('docker-distribution-api-version');
  const found = { ...base, latencyMs, apiVersion };
  if (response.status === 200) return { ...found, reachable: true, auth: 'anonymous' };
  if (response.status === 401) {
    return { ...found, reachable: true, auth: authScheme(response.headers.get('www-authenticate')) };
  }
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location') ?? '(no location)';
    return { ...found, error: appError('Unavailable', `${endpoint.href} redirects to ${location.slice(0, 200)}; redirects are not followed when probing.`) };
  }
  return {
    ...found,
    error: appError('Unavailable', `${endpoint.href} answered HTTP ${response.status}; an OCI registry answers 200 or 401 there.`),
  };
}

function authScheme(header: string | null): RegistryStatus['auth'] {
  const scheme = header?.trim().split(/\s+/, 1)[0]?.toLowerCase();
  if (scheme === 'bearer') return 'bearer';
  if (scheme === 'basic') return 'basic';
  return 'other';
}

function describeFetchError(error: unknown, endpoint: URL) {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return appError('Timeout', `${endpoint.host} did not answer in time.`);
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? '';
  if (code === 'ECONNREFUSED') return appError('Unavailable', `Nothing is listening at ${endpoint.host}.`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return appError('Unavailable', `The host ${endpoint.hostname} could not be resolved.`);
  if (/CERT|SSL|TLS/i.test(code)) return appError('Unavailable', `TLS with ${endpoint.host} failed (${code}).`);
  return appError('Unavailable', `${endpoint.host} could not be reached (${code || cause?.message || String(error)}).`);
}
