import { matchesGlob } from '../../shared/glob.ts';

/** Whether a scope glob uses `*` or `?`; a scope without them names exactly one repository. */
export function hasWildcard(scope: string): boolean {
  return /[*?]/.test(scope);
}

// Exporters must know when two rules can claim the same image: targets without first-match order then apply both.
export function globsOverlap(a: string, b: string): boolean {
  const seen = new Set<number>();
  const width = b.length + 1;
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    const key = i * width + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    const p = a[i];
    const q = b[j];
    // A star may also stand for nothing.
    if (p === '*') stack.push([i + 1, j]);
    if (q === '*') stack.push([i, j + 1]);
    if (p === undefined || q === undefined) continue;
    // Both sides consume one and the same character of some witness string.
    const wild = (c: string) => c === '*' || c === '?';
    if (!wild(p) && !wild(q) && p !== q) continue;
    stack.push([p === '*' ? i : i + 1, q === '*' ? j : j + 1]);
  }
  return false;
}

// A later rule whose every image an earlier rule already claims never decides anything in Signet.
export function shadowedBy(rules: readonly { scope: string }[], index: number): number | null {
  const scope = rules[index]!.scope;
  for (let i = 0; i < index; i++) {
    const earlier = rules[i]!.scope;
    if (earlier === scope || (!hasWildcard(scope) && matchesGlob(earlier, scope)) || coversByPrefix(earlier, scope)) return i;
  }
  return null;
}

// `prefix*` with a literal prefix claims every scope that starts with that prefix, wildcards and all.
function coversByPrefix(earlier: string, later: string): boolean {
  if (!earlier.endsWith('*')) return false;
  const prefix = earlier.slice(0, -1);
  return !hasWildcard(prefix) && later.startsWith(prefix);
}
