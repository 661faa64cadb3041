import { z } from 'zod';
import { ImageGraphSchema } from './image-graph.model.ts';

export const VerdictSchema = z.enum(['verified', 'failed', 'untrusted', 'revoked', 'expired', 'unsigned', 'not-checked']);
export type Verdict = z.infer<typeof VerdictSchema>;

export const ChainNodeKindSchema = z.enum(['reference', 'index', 'manifest', 'signature', 'attestation', 'signer', 'certificate', 'tlog', 'timestamp', 'artifact', 'policy']);

/** One rule a verifier applied to a signature, and what it found; a rule not listed was not checked. */
export const CheckSchema = z.object({ name: z.string(), result: z.enum(['pass', 'fail', 'logged']), reason: z.string() }).strict();
export type Check = z.infer<typeof CheckSchema>;

/** One box of the trust-chain picture: what it is, its verdict, and the reason in words. */
export const ChainNodeSchema = z
  .object({
    id: z.string(),
    kind: ChainNodeKindSchema,
    label: z.string(),
    verdict: VerdictSchema,
    reason: z.string(),
    details: z.record(z.string(), z.string()),
    /** Signatures and attestations: every check performed, in order, up to the first that decided. */
    checks: z.array(CheckSchema).optional(),
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
    /** The trust this verdict was reached with, in words (which keys, roots and stores), so a reader knows what "verified" rests on. */
    trust: z.array(z.string()).optional(),
    /** The earliest time at which time alone could change the verdict (an expiry); null when nothing in it expires. */
    holdsUntil: z.iso.datetime().nullable().optional(),
  })
  .strict();
export type ChainReport = z.infer<typeof ChainReportSchema>;
