/** `*` stands for any run of characters and `?` for one; everything else matches itself. */
export function globToRegExp(pattern: string): RegExp {
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`);
}

// Tag patterns and repository scopes are written by people; one rule for both keeps them predictable.
export function matchesGlob(pattern: string, text: string): boolean {
  return globToRegExp(pattern).test(text);
}
