import { execFile } from 'node:child_process';
import { delimiter } from 'node:path';
import { findExecutable } from '../platform/tools.probe.ts';

// The sandbox uses a helper only when it is really there; Signet's own tool folders win over PATH, as for the peer tools.
export function findTool(name: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  return findExecutable(name, [...(env.SIGNET_TOOLS_DIR ?? '').split(delimiter), ...(env.PATH ?? '').split(delimiter)].filter((d) => d.length > 0));
}

// A helper's output, or an error carrying it: what softhsm2-util says is the only explanation there is.
export function runTool(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args[0] ?? ''} failed: ${`${stderr}${stdout}`.trim() || error.message}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}
