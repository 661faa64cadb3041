import { useState, type KeyboardEvent } from 'react';
import { effectiveStatus, type EffectiveKeyStatus, type KeyRecord } from '../../shared/model/keys.model.ts';
import type { PolicySigner } from '../../shared/model/policy.model.ts';
import { StatusBadge, type BadgeTone } from '../ui/status-badge.tsx';
import { useKeys } from '../state/keys.store.ts';
import { usePolicies, type RuleDraft } from './policies.store.ts';

type SignerKind = PolicySigner['kind'];

const KIND_NAMES: Record<SignerKind, string> = {
  key: 'Key from the inventory',
  publicKey: 'Public key (PEM)',
  identity: 'Keyless identity (certificate subject and OIDC issuer)',
  ca: 'CA root certificate (PEM)',
};

const STATUS_VIEW: Record<EffectiveKeyStatus, [BadgeTone, string]> = {
  active: ['ok', 'active'],
  expired: ['warn', 'expired'],
  retired: ['off', 'retired'],
  revoked: ['fail', 'revoked'],
  destroyed: ['off', 'destroyed'],
};

// Enter inside the signer fields adds the signer instead of submitting (and saving) the whole policy.
function onEnter(action: () => void) {
  return (event: KeyboardEvent) => {
    if (event.key !== 'Enter' || event.target instanceof HTMLTextAreaElement) return;
    event.preventDefault();
    action();
  };
}

const shortPrint = (key: KeyRecord) => `SHA256:${key.fingerprint.slice(0, 16)}…`;

// A signer in words, for the rule's list and for the remove button's accessible name.
export function signerName(signer: PolicySigner, keys: readonly KeyRecord[] | null): string {
  switch (signer.kind) {
    case 'key': {
      const key = keys?.find((k) => k.id === signer.keyId);
      return key ? `key “${key.label}”` : `key ${signer.keyId}`;
    }
    case 'publicKey':
      return `public key “${signer.name}”`;
    case 'identity':
      return `identity ${signer.subject} from ${signer.issuer}`;
    case 'ca':
      return `CA root “${signer.name}”`;
  }
}

// The rule's signers as a list, each with what it is, its status when it is an inventory key, and a way to remove it.
export function SignerList({ rule, number }: { rule: RuleDraft; number: number }) {
  const removeSigner = usePolicies((s) => s.removeSigner);
  const keys = useKeys((s) => s.keys);
  const now = new Date();
  if (rule.signers.length === 0) return <p className="muted">No signer yet: add at least one below.</p>;
  return (
    <ul className="signer-list" aria-label={`Signers of rule ${number}`}>
      {rule.signers.map((row) => {
        const { signer } = row;
        const key = signer.kind === 'key' ? keys?.find((k) => k.id === signer.keyId) : undefined;
        const name = signerName(signer, keys);
        return (
          <li key={row.key} data-testid="policy-signer" data-kind={signer.kind}>
            <span className="signer-kind">{KIND_NAMES[signer.kind].replace(/ \(.*\)$/, '')}</span>
            <span className="signer-what">
              {signer.kind === 'key' && key && (
                <>
                  <strong>{key.label}</strong> <span className="mono small">{shortPrint(key)}</span> <StatusBadge tone={STATUS_VIEW[effectiveStatus(key, now)][0]} text={STATUS_VIEW[effectiveStatus(key, now)][1]} />
                </>
              )}
              {signer.kind === 'key' && !key && (
                <>
                  <span className="mono">{signer.keyId}</span> <StatusBadge tone="warn" text={keys === null ? 'reading the inventory' : 'not in the inventory'} />
                </>
              )}
              {(signer.kind === 'publicKey' || signer.kind === 'ca') && (
                <>
                  <strong>{signer.name}</strong> <span className="muted small">{signer.pem.trim().split('\n')[0]}</span>
                </>
              )}
              {signer.kind === 'identity' && (
                <>
                  <span className="mono">{signer.subject}</span> <span className="muted">issued by</span> <span className="mono">{signer.issuer}</span>
                </>
              )}
            </span>
            <button type="button" className="secondary" aria-label={`Remove ${name} from rule ${number}`} onClick={() => removeSigner(rule.key, row.key)}>
              Remove
            </button>
          </li>
        );
      })}
    </ul>
  );
}

// Adds one signer of any kind to a rule; the fields change with the kind, and nothing is added half-filled.
export function SignerPicker({ rule, number }: { rule: RuleDraft; number: number }) {
  const addSigner = usePolicies((s) => s.addSigner);
  const keys = useKeys((s) => s.keys);
  const keysError = useKeys((s) => s.error);
  const [kind, setKind] = useState<SignerKind>('key');
  const [keyId, setKeyId] = useState('');
  const [name, setName] = useState('');
  const [pem, setPem] = useState('');
  const [subject, setSubject] = useState('');
  const [issuer, setIssuer] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const id = (field: string) => `rule-${rule.key}-signer-${field}`;
  const now = new Date();
  const chosen = new Set(rule.signers.flatMap((row) => (row.signer.kind === 'key' ? [row.signer.keyId] : [])));

  const build = (): PolicySigner | string => {
    switch (kind) {
      case 'key':
        return keyId === '' ? 'Choose a key from the inventory.' : { kind, keyId };
      case 'publicKey':
      case 'ca':
        if (name.trim() === '') return 'Give the signer a name, so reasons and exports can say who it is.';
        if (!pem.includes('-----BEGIN ')) return kind === 'ca' ? 'Paste the root certificate as PEM (-----BEGIN CERTIFICATE-----).' : 'Paste the public key as PEM (-----BEGIN PUBLIC KEY-----).';
        return { kind, name: name.trim(), pem: pem.trim() + '\n' };
      case 'identity':
        if (subject.trim() === '' || issuer.trim() === '') return 'A keyless identity needs both the certificate subject and the OIDC issuer.';
        return { kind, subject: subject.trim(), issuer: issuer.trim() };
    }
  };
  const add = () => {
    const signer = build();
    if (typeof signer === 'string') {
      setProblem(signer);
      return;
    }
    const refused = addSigner(rule.key, signer);
    setProblem(refused);
    if (refused) return;
    setKeyId('');
    setName('');
    setPem('');
    setSubject('');
    setIssuer('');
  };

  return (
    <div className="signer-picker" role="group" aria-labelledby={id('title')}>
      <h4 id={id('title')}>Add a signer to rule {number}</h4>
      <div className="picker-grid">
        <label htmlFor={id('kind')}>Kind of signer</label>
        <select
          id={id('kind')}
          value={kind}
          onChange={(event) => {
            setKind(event.target.value as SignerKind);
            setProblem(null);
          }}
        >
          {(Object.keys(KIND_NAMES) as SignerKind[]).map((k) => (
            <option key={k} value={k}>
              {KIND_NAMES[k]}
            </option>
          ))}
        </select>
        {kind === 'key' && (
          <>
            <label htmlFor={id('key')}>Inventory key</label>
            <select id={id('key')} value={keyId} onChange={(event) => setKeyId(event.target.value)} onKeyDown={onEnter(add)} disabled={!keys || keys.length === 0}>
              <option value="">{keys === null ? 'Reading the inventory…' : keys.length === 0 ? 'The inventory has no keys' : 'Choose a key'}</option>
              {(keys ?? []).map((key) => (
                <option key={key.id} value={key.id} disabled={chosen.has(key.id)}>
                  {key.label} — {shortPrint(key)} — {STATUS_VIEW[effectiveStatus(key, now)][1]}
                  {chosen.has(key.id) ? ' — a signer already' : ''}
                </option>
              ))}
            </select>
            {keysError && <p className="span problem">The inventory could not be read: {keysError.message}</p>}
          </>
        )}
        {(kind === 'publicKey' || kind === 'ca') && (
          <>
            <label htmlFor={id('name')}>{kind === 'ca' ? 'CA name' : 'Signer name'}</label>
            <input id={id('name')} value={name} onChange={(event) => setName(event.target.value)} onKeyDown={onEnter(add)} placeholder={kind === 'ca' ? 'Acme release CA' : 'build bot'} autoComplete="off" />
            <label htmlFor={id('pem')}>{kind === 'ca' ? 'Root certificate (PEM)' : 'Public key (PEM)'}</label>
            <textarea
              id={id('pem')}
              className="mono pem-input"
              rows={5}
              value={pem}
              onChange={(event) => setPem(event.target.value)}
              placeholder={kind === 'ca' ? '-----BEGIN CERTIFICATE-----' : '-----BEGIN PUBLIC KEY-----'}
              spellCheck={false}
            />
          </>
        )}
        {kind === 'identity' && (
          <>
            <label htmlFor={id('subject')}>Certificate subject</label>
            <input id={id('subject')} className="mono" value={subject} onChange={(event) => setSubject(event.target.value)} onKeyDown={onEnter(add)} placeholder="https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main" spellCheck={false} autoComplete="off" />
            <label htmlFor={id('issuer')}>OIDC issuer</label>
            <input id={id('issuer')} className="mono" value={issuer} onChange={(event) => setIssuer(event.target.value)} onKeyDown={onEnter(add)} placeholder="https://token.actions.githubusercontent.com" spellCheck={false} autoComplete="off" />
          </>
        )}
      </div>
      <div className="actions compact-top">
        <button type="button" className="secondary" onClick={add}>
          Add signer
        </button>
        {problem && (
          <span className="problem" role="alert">
            {problem}
          </span>
        )}
      </div>
    </div>
  );
}
