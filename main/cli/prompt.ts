import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

// Reads one line from the terminal without echoing it (PINs), or the first line of piped input.
export async function readSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const reader = createInterface({ input: process.stdin, terminal: false });
    for await (const line of reader) {
      reader.close();
      return line;
    }
    return '';
  }
  process.stderr.write(question);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const reader = createInterface({ input: process.stdin, output: silent, terminal: true });
  try {
    return await reader.question('');
  } finally {
    reader.close();
    process.stderr.write('\n');
  }
}

// Asks for a line of text at the terminal; without one there is nobody to ask.
export async function ask(question: string): Promise<string | null> {
  if (!process.stdin.isTTY) return null;
  const reader = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await reader.question(question);
  } finally {
    reader.close();
  }
}

// A PIN that is not remembered is asked at the terminal, naming the operation first, so the person knows what they unlock.
export async function askPinAtTerminal(token: { tokenLabel: string }, operation: string | undefined, origin: string): Promise<string | null> {
  if (!process.stdin.isTTY) return null;
  if (operation) process.stderr.write(`${origin}: ${operation}\n`);
  return readSecret(`PIN for token "${token.tokenLabel}" (not remembered): `);
}
