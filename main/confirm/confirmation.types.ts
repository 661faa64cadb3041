/** One fact the user must see before saying yes: a digest, a key fingerprint, a repository. */
export interface ConfirmationFact {
  label: string;
  value: string;
}

export interface ConfirmationRequest {
  title: string;
  message: string;
  facts: ConfirmationFact[];
  confirmLabel: string;
}

/**
 * Asks the person at the machine, through a channel main owns (a native dialog, the terminal),
 * so that a compromised renderer cannot approve a signature by itself.
 */
export interface ConfirmationService {
  confirm(request: ConfirmationRequest): Promise<boolean>;
}
