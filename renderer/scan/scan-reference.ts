import type { ScanImage } from '../../shared/model/scan.model.ts';
import type { Settings } from '../../shared/model/settings.model.ts';

type Store = { kind: 'registry'; host: string } | { kind: 'layout'; path: string };

// A scan names its source in words; the Images screen needs the registry host or layout path behind that name.
export function storeOf(source: string, settings: Settings | null): Store | null {
  if (!settings) return null;
  const registry = (name: string): Store | null => {
    const found = settings.registries.find((r) => r.name === name);
    return found ? { kind: 'registry', host: new URL(found.url).host } : null;
  };
  const layout = (name: string): Store | null => {
    const found = settings.layouts.find((l) => l.name === name);
    return found ? { kind: 'layout', path: found.path } : null;
  };
  const named = /^(registry|layout)[:\s]\s*([a-z0-9][a-z0-9._-]*)/.exec(source);
  if (named?.[2]) return named[1] === 'registry' ? registry(named[2]) : layout(named[2]);
  const word = /^[a-z0-9][a-z0-9._-]*/.exec(source)?.[0] ?? '';
  const byName = registry(word) ?? layout(word);
  if (byName) return byName;
  const byHost = settings.registries.find((r) => source.startsWith(new URL(r.url).host) || source.startsWith(r.url));
  if (byHost) return { kind: 'registry', host: new URL(byHost.url).host };
  const byPath = settings.layouts.find((l) => source.startsWith(l.path) || source.startsWith(`oci:${l.path}`));
  return byPath ? { kind: 'layout', path: byPath.path } : null;
}

// The reference the Images screen opens for a row: pinned by digest, so a tag moved since the scan cannot mislead.
export function inspectReference(store: Store | null, image: ScanImage): string | null {
  if (!store) return null;
  const pin = image.digest ? `@${image.digest}` : `:${image.tag}`;
  if (store.kind === 'layout') return `oci:${store.path}${pin}`;
  const repository = image.repository.startsWith(`${store.host}/`) ? image.repository : `${store.host}/${image.repository}`;
  return `${repository}${pin}`;
}
