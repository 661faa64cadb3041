import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

// The sandbox uses a helper only when it is really there; Signet's own tool folders win over PATH, as for the peer tools.
export async function findTool(name: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const dirs = [...(env.SIGNET_TOOLS_DIR ?? '').split(delimiter), ...(env.PATH ?? '').split(delimiter)].filter((d) => d.length > 0);
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of dirs) {
    for (const candidate of names) {
      const full = join(dir, candidate);
      try {
        await access(full, constants.X_OK);
        return full;
      } catch {
        continue;
      }
    }
  }
  return null;
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
