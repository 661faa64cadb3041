import { spawn } from 'node:child_process';

/** What became of a script run in a process of its own. */
export interface ScriptRun {
  /** The one line the script answered with, or null when it ended without answering. */
  reply: string | null;
  /** The last thing the process wrote to stderr, for the person reading the failure. */
  stderr: string;
  code: number | null;
  signal: string | null;
  timedOut: boolean;
}

/**
 * Runs one of Signet's own scripts in a separate process, hands it one request and waits for its one-line reply.
 * Plain Node starts a child of itself; a packaged Electron app, which cannot be run as Node, starts a utility process.
 */
export type ScriptRunner = (script: string, env: Record<string, string>, request: string, timeoutMs: number) => Promise<ScriptRun>;

// The request goes in on stdin and the reply is the last line on stdout. Inside Electron, while it may still be run as
// Node (development builds), this is the same child; the packaged app's Electron host supplies a utility process instead.
export const runAsChildProcess: ScriptRunner = (script, env, request, timeoutMs) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdin.on('error', () => undefined);
    child.stdin.end(request);
    const finish = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      resolve({ reply: stdout.trim().split('\n').pop() || null, stderr: lastLine(stderr), code, signal, timedOut });
    };
    child.on('error', (error) => {
      stderr += error.message;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });

// The script side: the request arrives from whichever kind of parent started this process.
export async function readScriptRequest(): Promise<string> {
  const parentPort = (process as { parentPort?: UtilityParentPort }).parentPort;
  if (parentPort) return new Promise((resolve) => parentPort.once('message', (event) => resolve(String(event.data))));
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// The script side: one line back to whichever kind of parent started this process.
export function sendScriptReply(reply: string): void {
  const parentPort = (process as { parentPort?: UtilityParentPort }).parentPort;
  if (parentPort) parentPort.postMessage(reply);
  else process.stdout.write(`${reply}\n`);
}

/** Electron's `process.parentPort` in a utility process, as far as a script uses it. */
interface UtilityParentPort {
  once(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

// A failing process's last words are what a person needs in the one-line reason.
export function lastLine(text: string): string {
  return text.trim().split('\n').slice(-1)[0] ?? '';
}
