import type { Protocol } from 'electron';
import { contentType, securityHeaders } from '../app/csp.ts';
import { readStaticFile } from '../app/static-files.ts';
import { APP_SCHEME } from './window.factory.ts';

// Must run before the app is ready: the scheme behaves like https (secure, standard) but cannot fetch or be fetched cross-origin.
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } },
  ]);
}

// Serves only the packaged renderer files, each with the app's CSP; IPC is the renderer's only way out.
export function serveRenderer(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === 'signet' && request.method === 'GET' ? await readStaticFile(rendererDir, url.pathname) : null;
    if (!file) return new Response('Not found', { status: 404, headers: securityHeaders() });
    return new Response(new Uint8Array(file.body), {
      status: 200,
      headers: { ...securityHeaders(), 'content-type': contentType(file.path) },
    });
  });
}
