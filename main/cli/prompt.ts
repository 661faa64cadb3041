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
