import { z } from 'zod';
import { DIGEST_PATTERN } from './image-reference.parser.ts';

export { DEFAULT_REGISTRY, formatImageReference, parseImageReference, type ImageReference } from './image-reference.parser.ts';

export const DigestSchema = z.string().regex(DIGEST_PATTERN, 'a digest looks like sha256: and 64 hex digits');
