import type { Policy, PolicyExport, PolicyTarget } from '../../shared/model/policy.model.ts';
import { containersPolicyExport } from './exporters/containers-policy.exporter.ts';
import type { ExportContext } from './exporters/export-signers.ts';
import { kyvernoExport } from './exporters/kyverno.exporter.ts';
import { notationExport } from './exporters/notation.exporter.ts';
import { policyControllerExport } from './exporters/policy-controller.exporter.ts';

export type { ExportContext } from './exporters/export-signers.ts';

const EXPORTERS: Record<PolicyTarget, (policy: Policy, context: ExportContext) => PolicyExport> = {
  kyverno: kyvernoExport,
  'policy-controller': policyControllerExport,
  'containers-policy': containersPolicyExport,
  notation: notationExport,
};

// One entry point for every target, so hosts and tests need not know which exporter writes what.
export function exportPolicy(policy: Policy, target: PolicyTarget, context: ExportContext): PolicyExport {
  return EXPORTERS[target](policy, context);
}
