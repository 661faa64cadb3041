import { useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { ErrorBox } from '../ui/error-box.tsx';
import { StatusBadge } from '../ui/status-badge.tsx';
import { ChainGraph } from '../ui/chain-graph.tsx';
import { useCollapsedNodes } from '../state/collapsed-nodes.ts';
import { NodeDetails } from '../ui/node-details.tsx';
import { VERDICT_VIEW } from '../ui/verdict.ts';
import { useSign } from './sign.store.ts';
import { resultFor } from '../state/request-state.ts';
import { BusyLine } from '../ui/busy-line.tsx';
import { CopyButton } from '../ui/copy-button.tsx';

// The resolved image: its pinned digest up front and a checklist of the manifests under it, all chosen to begin with.
export function SignPlanPanel() {
  const { plan, chosen, toggleManifest, chooseAll, phase } = useSign();
  if (!plan) return null;
  const locked = phase !== 'form';
  const platforms = plan.manifests.filter((m) => m.digest !== plan.digest).length;
  return (
    <section className="card" aria-labelledby="sign-plan-title" data-testid="sign-plan">
      <h2 id="sign-plan-title">What will be signed</h2>
      <div className="pinned">
        <span className="pinned-label">Pinned digest</span>
        <code className="mono pinned-digest" data-testid="pinned-digest">
          {plan.digest}
        </code>
        <CopyButton value={plan.digest} label="Copy the pinned digest" />
      </div>
      <p className="muted">
        {plan.tag
          ? `The tag “${plan.tag}” was resolved to this digest just now. Signatures name the digest, so moving the tag later changes nothing that is signed.`
          : 'The reference names this digest directly.'}
      </p>
      <dl className="facts">
        <dt>Repository</dt>
        <dd className="mono">
          {plan.repository} <CopyButton value={plan.repository} label="Copy the repository" />
        </dd>
        <dt>Kind</dt>
        <dd data-testid="plan-kind" data-kind={plan.kind}>
          {plan.kind === 'index' ? `Multi-platform index with ${platforms} platform manifest${platforms === 1 ? '' : 's'}` : 'Single image manifest'}
        </dd>
      </dl>
      <fieldset className="manifest-checklist" disabled={locked}>
        <legend>
          Manifests to sign ({chosen.size} of {plan.manifests.length} chosen)
        </legend>
        {plan.manifests.length > 1 && (
          <div className="actions compact">
            <button type="button" className="secondary" onClick={() => chooseAll(true)}>
              Choose all
            </button>
            <button type="button" className="secondary" onClick={() => chooseAll(false)}>
              Choose none
            </button>
          </div>
        )}
        <ul className="plain-list">
          {plan.manifests.map((manifest) => {
            const what = manifest.digest === plan.digest ? (plan.kind === 'index' ? 'Index' : 'Image manifest') : (manifest.platform ?? 'Manifest without a platform');
            return (
              <li key={manifest.digest} className="manifest-choice" data-testid="manifest-choice" data-digest={manifest.digest}>
                <input type="checkbox" id={`manifest-${manifest.digest}`} checked={chosen.has(manifest.digest)} onChange={() => toggleManifest(manifest.digest)} />
                <label htmlFor={`manifest-${manifest.digest}`}>
                  <span className="manifest-what">{what}</span> <code className="mono small">{manifest.digest}</code>
                </label>
                <span className="manifest-signed">
                  {manifest.signedWith.length > 0 ? <StatusBadge tone="ok" text={`already signed: ${manifest.signedWith.join(', ')}`} /> : <StatusBadge tone="off" text="no signature yet" />}
                </span>
              </li>
            );
          })}
        </ul>
        {chosen.size === 0 && <p className="problem">Choose at least one manifest.</p>}
      </fieldset>
    </section>
  );
}

// What is already attached to the image, drawn with the Images screen's chain picture.
export function SignChainPanel() {
  const { chain: held, chainFor, reference, chainLoading, chainError, plan, refreshChain } = useSign();
  const chain = resultFor(held, chainFor, reference);
  const { collapsed, toggle } = useCollapsedNodes();
  const [selected, setSelected] = useState<string | null>(null);
  if (!chain && !chainLoading && !chainError) return null;
  const moved = chain && plan && chain.graph.root.digest !== plan.digest;
  const verdict = chain ? VERDICT_VIEW[chain.verdict] : null;
  const node = chain?.nodes.find((n) => n.id === selected) ?? null;
  return (
    <section className="card sign-chain" aria-labelledby="sign-chain-title" data-testid="sign-chain">
      <h2 id="sign-chain-title">Already attached</h2>
      {chainLoading && (
        <BusyLine text="Reading what is attached…" />
      )}
      {chainError && <ErrorBox error={chainError} onRetry={() => void refreshChain()} />}
      {moved && (
        <p className="notice notice-warning" role="status">
          This picture was read at {chain.graph.root.digest}, not at the pinned digest: the tag moved in between. Resolve again before signing.
        </p>
      )}
      {chain && verdict && (
        <>
          <div className="chain-summary" data-testid="sign-chain-summary" data-verdict={chain.verdict}>
            <StatusBadge tone={verdict.tone} text={verdict.word} />
            <span>{chain.reason}</span>
          </div>
          <div className="sign-graph">
            <ReactFlowProvider>
              <ChainGraph report={chain} collapsed={collapsed} selected={selected} onSelect={setSelected} onToggle={toggle} />
            </ReactFlowProvider>
          </div>
          {node && <NodeDetails node={node} onClose={() => setSelected(null)} />}
        </>
      )}
    </section>
  );
}
