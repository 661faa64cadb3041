// Untrusted text (files, sockets, registries) is parsed without throwing; callers validate the result with a schema.
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
