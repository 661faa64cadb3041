import type { UtilityProcess } from 'electron';
import { lastLine, type ScriptRunner } from '../platform/script-runner.ts';

/** The part of Electron's `utilityProcess.fork` this runner uses; passed in so the shell stays thin and testable. */
export type ForkUtility = (modulePath: string, args: string[], options: { env: Record<string, string | undefined>; stdio: 'pipe'; serviceName: string }) => UtilityProcess;

// The packaged app cannot be run as Node (its runAsNode fuse is off), so a script of its own runs as a utility process:
// the request goes in as a message, the reply comes back as one, and the process is stopped once it has answered.
export function utilityProcessRunner(fork: ForkUtility): ScriptRunner {
  return (script, env, request, timeoutMs) =>
    new Promise((resolve) => {
      const child = fork(script, [], { env: { ...process.env, ...env }, stdio: 'pipe', serviceName: 'Signet helper' });
      let stderr = '';
      let reply: string | null = null;
      let timedOut = false;
      let settled = false;
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const finish = (code: number | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ reply, stderr: lastLine(stderr), code, signal: null, timedOut });
      };
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill();
        finish(null);
      }, timeoutMs);
      child.once('spawn', () => child.postMessage(request));
      child.on('message', (message: unknown) => {
        reply = String(message);
        child.kill();
        finish(0);
      });
      child.once('exit', (code: number) => finish(code));
    });
}
