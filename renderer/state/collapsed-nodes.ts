import { useCallback, useState } from 'react';

// One id flipped in a set: how the chain picture collapses and expands a subtree, wherever it is drawn.
export function toggled(set: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

// The collapsed subtrees of a chain picture that lives inside one view (signing, workshop) rather than in a store.
export function useCollapsedNodes(): { collapsed: ReadonlySet<string>; toggle: (id: string) => void; reset: () => void } {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = useCallback((id: string) => setCollapsed((earlier) => toggled(earlier, id)), []);
  const reset = useCallback(() => setCollapsed(new Set()), []);
  return { collapsed, toggle, reset };
}
