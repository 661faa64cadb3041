import { z } from 'zod';
import { ImageGraphSchema } from './image-graph.model.ts';

export const VerdictSchema = z.enum(['verified', 'failed', 'untrusted', 'revoked', 'expired', 'unsigned', 'not-checked']);
export type Verdict = z.infer<typeof VerdictSchema>;

export const ChainNodeKindSchema = z.enum(['reference', 'index', 'manifest', 'signature', 'attestation', 'signer', 'certificate', 'tlog', 'timestamp', 'artifact', 'policy']);

/** One box of the trust-chain picture: what it is, its verdict, and the reason in words. */
export const ChainNodeSchema = z
  .object({
    id: z.string(),
    kind: ChainNodeKindSchema,
    label: z.string(),
    verdict: VerdictSchema,
    reason: z.string(),
    details: z.record(z.string(), z.string()),
  })
  .strict();
export type ChainNode = z.infer<typeof ChainNodeSchema>;

export const ChainEdgeSchema = z.object({ from: z.string(), to: z.string(), label: z.string() }).strict();
export type ChainEdge = z.infer<typeof ChainEdgeSchema>;

export const ChainReportSchema = z
  .object({
    reference: z.string(),
    checkedAt: z.iso.datetime(),
    verdict: VerdictSchema,
    reason: z.string(),
    nodes: z.array(ChainNodeSchema),
    edges: z.array(ChainEdgeSchema),
    graph: ImageGraphSchema,
  })
  .strict();
export type ChainReport = z.infer<typeof ChainReportSchema>;
