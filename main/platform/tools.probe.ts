import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { ToolStatus } from '../../shared/model/system.model.ts';
import { appError } from '../../shared/errors.ts';

interface ToolSpec {
  name: string;
  purpose: string;
  args: string[];
  version: RegExp;
}

/** The peer tools whose signatures Signet reads and which verify Signet's own. */
export const TOOLS: readonly ToolSpec[] = [
  { name: 'cosign', purpose: 'sigstore signing and verification', args: ['version'], version: /GitVersion:\s*v?(\S+)/ },
  { name: 'skopeo', purpose: 'image copy and sigstore signatures', args: ['--version'], version: /version\s+v?(\S+)/ },
  { name: 'oras', purpose: 'OCI artifacts and referrers', args: ['version'], version: /Version:\s*v?(\S+)/ },
  { name: 'notation', purpose: 'Notary Project signatures', args: ['version'], version: /Version:\s*v?(\S+)/ },
  { name: 'softhsm2-util', purpose: 'SoftHSM token management', args: ['--version'], version: /^v?(\d[\w.+~-]*)/m },
  { name: 'swtpm', purpose: 'software TPM', args: ['--version'], version: /version\s+v?(\d[\w.+~-]*\w)/i },
  { name: 'docker-registry', purpose: 'local OCI registry', args: ['--version'], version: /\sv?(\d+\.\d+[\w.+~-]*)/ },
];

// Looks in the user's extra folders first, then PATH, so a pinned copy wins over the system one.
export async function probeTools(extraDirs: readonly string[], pathVariable = process.env.PATH ?? ''): Promise<ToolStatus[]> {
  const dirs = [...extraDirs, ...pathVariable.split(delimiter).filter((d) => d.length > 0)];
  return Promise.all(TOOLS.map((tool) => probeTool(tool, dirs)));
}

async function probeTool(tool: ToolSpec, dirs: readonly string[]): Promise<ToolStatus> {
  const path = await findExecutable(tool.name, dirs);
  if (!path) return { name: tool.name, purpose: tool.purpose, found: false, path: null, version: null, error: null };
  try {
    const output = await run(path, tool.args);
    const version = tool.version.exec(output)?.[1] ?? null;
    return { name: tool.name, purpose: tool.purpose, found: true, path, version, error: null };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] ?? 'failed' : String(error);
    return {
      name: tool.name,
      purpose: tool.purpose,
      found: true,
      path,
      version: null,
      error: appError('Unavailable', `${tool.name} is present but does not run: ${message}`),
    };
  }
}

// The first executable of that name in the folders, in order; shared by the tool probe and the workshop sandbox.
export async function findExecutable(name: string, dirs: readonly string[]): Promise<string | null> {
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

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 5000, maxBuffer: 256 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      if (error) reject(error);
      else resolve(`${stdout}\n${stderr}`);
    });
  });
}
