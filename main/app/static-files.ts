import { readFile, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';

// Resolves a URL path inside the renderer folder only; traversal, links out of it and odd bytes give null.
export async function readStaticFile(root: string, urlPath: string): Promise<{ path: string; body: Buffer } | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  if (relative.split('/').some((part) => part === '..')) return null;
  try {
    const realRoot = await realpath(root);
    const full = await realpath(join(realRoot, relative));
    if (!full.startsWith(realRoot + sep)) return null;
    return { path: full, body: await readFile(full) };
  } catch {
    return null;
  }
}
