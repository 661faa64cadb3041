import { useEffect, useState } from 'react';
import type { PinRequest } from '../../shared/model/system.model.ts';
import { on } from '../api/client.ts';

const WHERE_WORDS: Record<PinRequest['where'], string> = {
  terminal: 'in the terminal where Signet runs',
  window: "in Signet's PIN window",
};

// While main asks for a token PIN outside the page, every screen says where to type it; the page itself never takes a PIN.
export function PinRequestBanner() {
  const [asking, setAsking] = useState<PinRequest | null>(null);
  useEffect(() => on.tokens.pinRequest((request) => setAsking(request.asking ? request : null)), []);
  if (!asking) return null;
  return (
    <p className="notice notice-warning pin-request" role="status" data-testid="pin-request">
      Enter the PIN for token “{asking.tokenLabel}” {WHERE_WORDS[asking.where]}. Signet is waiting for it; this page never sees PINs.
    </p>
  );
}
