import { useEffect, useState, type FormEvent } from 'react';
import type { Pkcs11ModuleStatus, SystemStatus } from '../../shared/model/system.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { TableHead } from '../ui/table-head.tsx';
import { useSettings } from '../state/settings.store.ts';
import { useSettingsForm } from '../ui/use-settings-form.ts';
import { LayoutsCard, TrustCard } from './image-settings.tsx';
import { AuthorityCard, SigningCard } from './signing-settings.tsx';
import { useSystem } from '../state/system.store.ts';
import { SECTIONS, useNav } from '../state/nav.store.ts';
import { SoftHsmTokenCard } from './softhsm-token-card.tsx';

// The System screen: what this machine offers Signet, detected live by main, and the settings that change it.
export function SystemScreen() {
  const { status, loading, error, load } = useSystem();
  const loadSettings = useSettings((s) => s.load);
  useEffect(() => {
    void load(false);
    void loadSettings();
  }, [load, loadSettings]);

  return (
    <section aria-labelledby="screen-title" className="screen">
      <header className="screen-header">
        <h1 id="screen-title">System</h1>
        <div className="header-actions">
          {status && <span className="muted">Checked {new Date(status.checkedAt).toLocaleTimeString()}</span>}
          <button type="button" onClick={() => void load(true)} disabled={loading}>
            {loading ? 'Checking…' : 'Check again'}
          </button>
        </div>
      </header>
      {error && <ErrorBox error={error} onRetry={() => void load(true)} />}
      {!status && !error && <p className="muted" role="status">Asking main what this machine has…</p>}
      {status && <StatusView status={status} />}
    </section>
  );
}

function StatusView({ status }: { status: SystemStatus }) {
  const v = status.versions;
  const section = useNav((s) => s.section);
  const sectionShown = useNav((s) => s.sectionShown);
  const settingsLoaded = useSettings((s) => s.settings !== null);
  // The settings cards draw once settings arrive, so the section is looked for again then, and forgotten once shown.
  useEffect(() => {
    if (section === null) return;
    const card = document.getElementById(SECTIONS[section])?.closest('.card');
    if (!card) return;
    card.scrollIntoView({ block: 'start' });
    sectionShown();
  }, [section, sectionShown, settingsLoaded]);
  return (
    <>
      {status.notices.map((notice) => (
        <div key={notice.message} className={`notice notice-${notice.level}`} role="status">
          {notice.message}
        </div>
      ))}
      <div className="card" aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        <dl className="facts">
          <dt>Signet</dt>
          <dd>{v.signet}</dd>
          <dt>Running as</dt>
          <dd>{v.host === 'electron' ? 'desktop app' : v.host === 'web' ? 'browser host' : 'command line'}</dd>
          <dt>Platform</dt>
          <dd>
            {v.platform}/{v.arch}
          </dd>
          <dt>Node</dt>
          <dd>{v.node}</dd>
          {v.electron && (
            <>
              <dt>Electron</dt>
              <dd>{v.electron}</dd>
            </>
          )}
        </dl>
      </div>
      <ModulesCard modules={status.pkcs11Modules} />
      <SoftHsmTokenCard where={v.host === 'electron' ? 'window' : 'terminal'} />
      <div className="card" aria-labelledby="keychain-title">
        <h2 id="keychain-title">OS keychain</h2>
        <p>
          <StatusBadge tone={status.keychain.available ? 'ok' : 'fail'} text={status.keychain.available ? 'Answers' : 'Not available'} />{' '}
          <span className="mono">{status.keychain.backend}</span>
        </p>
        <p className="muted" data-testid="keychain-detail">
          {status.keychain.detail}
        </p>
      </div>
      <RegistriesCard status={status} />
      <LayoutsCard />
      <TrustCard />
      <SigningCard />
      <AuthorityCard />
      <div className="card" aria-labelledby="tools-title">
        <h2 id="tools-title">Peer tools</h2>
        <table>
          <TableHead columns={['Tool', 'State', 'Version', 'Used for', 'Path']} />
          <tbody>
            {status.tools.map((tool) => (
              <tr key={tool.name} data-testid={`tool-${tool.name}`}>
                <th scope="row">{tool.name}</th>
                <td>
                  <StatusBadge tone={tool.found ? (tool.error ? 'warn' : 'ok') : 'off'} text={tool.found ? (tool.error ? 'Broken' : 'Found') : 'Not found'} />
                </td>
                <td className="mono">{tool.version ?? '—'}</td>
                <td>{tool.error ? tool.error.message : tool.purpose}</td>
                <td className="mono small">{tool.path ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function ModulesCard({ modules }: { modules: Pkcs11ModuleStatus[] }) {
  const { settings, save, saving, formError } = useSettingsForm();
  const [path, setPath] = useState('');
  const configured = settings?.pkcs11Modules ?? [];

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (await save({ pkcs11Modules: [...configured, { path: path.trim() }] })) setPath('');
  };
  const remove = (target: string) => void save({ pkcs11Modules: configured.filter((m) => m.path !== target) });

  return (
    <div className="card" aria-labelledby="modules-title">
      <h2 id="modules-title">Key backends (PKCS#11)</h2>
      {modules.length === 0 && <p className="muted">No PKCS#11 module was found. Add the path of your HSM vendor's module below.</p>}
      {modules.map((module) => (
        <div key={module.path} className="module" data-testid="pkcs11-module">
          <div className="module-head">
            <StatusBadge tone={module.loaded ? 'ok' : 'fail'} text={module.loaded ? 'Loaded' : 'Failed'} />
            <strong>{kindName(module.kind)}</strong>
            <span className="mono small">{module.path}</span>
            {module.source === 'configured' && (
              <button type="button" className="link" onClick={() => remove(module.path)} disabled={saving}>
                Remove
              </button>
            )}
          </div>
          {module.library && (
            <p className="muted">
              {module.library.description} {module.library.libraryVersion} by {module.library.manufacturer}, PKCS#11 {module.library.cryptokiVersion}
            </p>
          )}
          {module.kind === 'tpm2' && <p className="muted">A TPM signs with P-256, P-384 and RSA; it has no Ed25519.</p>}
          {module.error && <p className="problem">{module.error.message}</p>}
          {module.slots.length > 0 && (
            <table>
              <TableHead columns={['Slot', 'Token', 'Serial', 'State']} />
              <tbody>
                {module.slots.map((slot) => (
                  <tr key={slot.slotId}>
                    <td className="mono">{slot.slotId}</td>
                    <td>{slot.token ? slot.token.label || '(no label)' : 'No token'}</td>
                    <td className="mono">{slot.token?.serial || '—'}</td>
                    <td>
                      {slot.token ? (
                        slot.token.userPinLocked ? (
                          <StatusBadge tone="fail" text="PIN locked" />
                        ) : slot.token.initialized ? (
                          <StatusBadge tone={slot.token.userPinCountLow ? 'warn' : 'ok'} text={slot.token.userPinCountLow ? 'Ready, PIN tries low' : 'Ready'} />
                        ) : (
                          <StatusBadge tone="off" text="Not initialised" />
                        )
                      ) : (
                        <StatusBadge tone="off" text="Empty slot" />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ))}
      <form className="inline-form" onSubmit={(event) => void add(event)}>
        <label htmlFor="module-path">Add a module</label>
        <input
          id="module-path"
          value={path}
          onChange={(event) => setPath(event.target.value)}
          placeholder="/usr/lib/vendor/libvendor-pkcs11.so"
          spellCheck={false}
        />
        <button type="submit" disabled={saving || path.trim() === ''}>
          Add
        </button>
      </form>
      {formError && <ErrorBox error={formError} />}
    </div>
  );
}

function RegistriesCard({ status }: { status: SystemStatus }) {
  const { settings, save, saving, formError } = useSettingsForm();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [insecure, setInsecure] = useState(false);
  const [cleartext, setCleartext] = useState(false);
  const configured = settings?.registries ?? [];

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const host = (() => {
      try {
        return new URL(url.trim()).host;
      } catch {
        return null;
      }
    })();
    const hosts = settings?.cleartextCredentialHosts ?? [];
    const clear = insecure && cleartext && host && !hosts.includes(host) ? { cleartextCredentialHosts: [...hosts, host] } : {};
    if (await save({ registries: [...configured, { name: name.trim(), url: url.trim(), insecure }], ...clear })) {
      setName('');
      setUrl('');
      setInsecure(false);
    }
  };

  return (
    <div className="card" aria-labelledby="registries-title">
      <h2 id="registries-title">Registries</h2>
      {status.registries.length === 0 && <p className="muted">No registry is configured yet. Add one below with a name and its URL, then scan or sign its images.</p>}
      {status.registries.length > 0 && (
        <table>
          <TableHead columns={['Name', 'URL', 'State', 'Details', 'hidden:Actions']} />
          <tbody>
            {status.registries.map((registry) => (
              <tr key={registry.name} data-testid={`registry-${registry.name}`}>
                <th scope="row">{registry.name}</th>
                <td className="mono">{registry.url}</td>
                <td>
                  <StatusBadge tone={registry.reachable ? 'ok' : 'fail'} text={registry.reachable ? 'Reachable' : 'Unreachable'} />
                </td>
                <td>
                  {registry.reachable
                    ? `${registry.auth === 'anonymous' ? 'anonymous access' : `${registry.auth} auth`}, ${registry.latencyMs} ms${registry.apiVersion ? `, ${registry.apiVersion}` : ''}`
                    : registry.error?.message}
                </td>
                <td>
                  <button
                    type="button"
                    className="link"
                    disabled={saving}
                    onClick={() => void save({ registries: configured.filter((r) => r.name !== registry.name) })}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form" onSubmit={(event) => void add(event)}>
        <label htmlFor="registry-name">Name</label>
        <input id="registry-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="local" spellCheck={false} />
        <label htmlFor="registry-url">URL</label>
        <input id="registry-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://registry.example.com" spellCheck={false} />
        <label className="checkbox">
          <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} /> Plain HTTP (insecure)
        </label>
        {insecure && (
          <label className="checkbox">
            <input type="checkbox" checked={cleartext} onChange={(e) => setCleartext(e.target.checked)} /> Send my stored credentials to it in clear (Signet asks you to confirm
            in its own dialog)
          </label>
        )}
        <button type="submit" disabled={saving || name.trim() === '' || url.trim() === ''}>
          Add registry
        </button>
      </form>
      {formError && <ErrorBox error={formError} />}
    </div>
  );
}

function kindName(kind: Pkcs11ModuleStatus['kind']): string {
  return { softhsm: 'SoftHSM', tpm2: 'TPM (tpm2-pkcs11)', opensc: 'OpenSC smart cards', other: 'PKCS#11 module' }[kind];
}
