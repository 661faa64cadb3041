import type { Protocol } from 'electron';
import { realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { contentType, securityHeaders } from '../app/csp.ts';
import { readStaticFile } from '../app/static-files.ts';
import { APP_SCHEME, PIN_FOLDER, PIN_HOST } from './window.factory.ts';

// Must run before the app is ready: the scheme behaves like https (secure, standard) but cannot fetch or be fetched cross-origin.
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } },
  ]);
}

// Each origin gets only its own files: the PIN prompt's origin serves its folder alone, and the app's origin never serves that folder.
export async function readRendererFile(rendererDir: string, url: URL): Promise<{ path: string; body: Buffer } | null> {
  const pinDir = join(rendererDir, PIN_FOLDER);
  if (url.host === PIN_HOST) return readStaticFile(pinDir, url.pathname);
  if (url.host !== 'signet') return null;
  const file = await readStaticFile(rendererDir, url.pathname);
  if (!file) return null;
  const pinReal = await realpath(pinDir).catch(() => null);
  return pinReal !== null && file.path.startsWith(pinReal + sep) ? null : file;
}

// Serves only the packaged renderer files, each with the app's CSP; IPC is the renderer's only way out.
export function serveRenderer(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = request.method === 'GET' ? await readRendererFile(rendererDir, new URL(request.url)) : null;
    if (!file) return new Response('Not found', { status: 404, headers: securityHeaders() });
    return new Response(new Uint8Array(file.body), {
      status: 200,
      headers: { ...securityHeaders(), 'content-type': contentType(file.path) },
    });
  });
}
