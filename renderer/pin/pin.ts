import { PIN_MAX_LENGTH, PIN_PROMPT_GLOBAL, PinPromptRequestSchema, type PinPromptBridge } from '../../shared/contract.ts';

// The page's few elements are fixed by pin.html; a missing one is a build mistake, not a state to handle.
function element<T extends HTMLElement>(id: string, kind: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`pin.html has no #${id}`);
  return found;
}

const form = element('pin-form', HTMLFormElement);
const operation = element('pin-operation', HTMLParagraphElement);
const token = element('pin-token', HTMLElement);
const moduleName = element('pin-module', HTMLElement);
const input = element('pin-input', HTMLInputElement);
const problem = element('pin-error', HTMLParagraphElement);
const deadline = element('pin-deadline', HTMLParagraphElement);
const cancel = element('pin-cancel', HTMLButtonElement);
const submit = element('pin-submit', HTMLButtonElement);

const bridge = (window as unknown as Record<string, PinPromptBridge | undefined>)[PIN_PROMPT_GLOBAL];
let sending = false;

input.maxLength = PIN_MAX_LENGTH;

function busy(on: boolean): void {
  sending = on;
  input.disabled = on;
  submit.disabled = on;
  cancel.disabled = on;
}

function say(message: string): void {
  problem.textContent = message;
  input.setAttribute('aria-invalid', message === '' ? 'false' : 'true');
}

// The PIN leaves the field as it is sent, so the page holds it no longer than main needs it.
async function send(pin: string | null): Promise<void> {
  if (sending || !bridge) return;
  busy(true);
  input.value = '';
  const taken = await bridge.answer(pin).catch(() => false);
  if (taken) return;
  busy(false);
  say('Signet did not take this answer; the request may have expired.');
  input.focus();
}

function countdown(until: number): void {
  const tick = () => {
    const left = Math.max(0, Math.round((until - Date.now()) / 1000));
    deadline.textContent = left > 0 ? `This request closes in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}.` : 'This request has expired.';
    if (left === 0) window.clearInterval(timer);
  };
  const timer = window.setInterval(tick, 1000);
  tick();
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (input.value.length === 0) {
    say('Enter the PIN, or choose Cancel.');
    input.focus();
    return;
  }
  say('');
  void send(input.value);
});
cancel.addEventListener('click', () => void send(null));
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  event.preventDefault();
  void send(null);
});

async function start(): Promise<void> {
  busy(true);
  if (!bridge) {
    operation.textContent = 'This page works only in the PIN window Signet opens.';
    return;
  }
  const request = PinPromptRequestSchema.safeParse(await bridge.request().catch(() => null));
  if (!request.success) {
    operation.textContent = 'Nothing is waiting for a PIN.';
    return;
  }
  operation.textContent = request.data.operation;
  token.textContent = request.data.tokenLabel;
  moduleName.textContent = request.data.module;
  input.labels?.[0]?.replaceChildren(`PIN for token “${request.data.tokenLabel}”`);
  countdown(request.data.deadline);
  busy(false);
  input.focus();
}

void start();
