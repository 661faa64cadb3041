/**
 * JSON for signed documents: the same grammar as JSON.parse, but an object that names a key twice is refused.
 * JSON.parse keeps the last value and Go keeps the last value, but a signer's tool may have shown the first one; a
 * signed payload that two readers can read two ways proves nothing (containers/image refuses it too).
 */
export type StrictJsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

// Parses signed bytes only when every object's keys are distinct; the reason names the first duplicate.
export function parseStrictJson(text: string): StrictJsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  const duplicate = firstDuplicateKey(text);
  return duplicate === null ? { ok: true, value } : { ok: false, reason: `the key "${duplicate}" appears twice in one object` };
}

// A scan over text JSON.parse already accepted: only strings, objects and their keys need tracking.
function firstDuplicateKey(text: string): string | null {
  const stack: { object: boolean; keys: Set<string>; expectKey: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const top = stack.at(-1);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (top?.object && top.expectKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === 0x7b) stack.push({ object: true, keys: new Set(), expectKey: true });
    else if (c === 0x5b) stack.push({ object: false, keys: new Set(), expectKey: false });
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c && top?.object) top.expectKey = true;
    i++;
  }
  return null;
}

// The index just past a JSON string that starts at `start`, escapes included.
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return i;
}
