// TUF metadata cases: a root history DIR/N..M.root.json checked step by step, or targets metadata checked against a root
// for one target file.
import { readFile } from 'node:fs/promises';
import { verifyRootChain, type TufRoot } from '../../main/trust/tuf-root.ts';
import { verifyTarget } from '../../main/trust/tuf-targets.ts';
import { CaseError, checkObject, requiredText, verificationTime, type Case } from './case-format.ts';
import type { CaseOutcome } from './bundle-case.ts';

async function json(path: string, where: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    throw new CaseError(`${where} cannot be read as JSON: ${(error as Error).message}`);
  }
}

async function rootHistory(files: string, data: (path: string) => string): Promise<CaseOutcome> {
  const match = /^(.*\/)?(\d+)\.\.(\d+)\.root\.json$/.exec(files);
  if (!match) throw new CaseError(`files ${JSON.stringify(files)} is not DIR/N..M.root.json`);
  const [first, last] = [Number(match[2]), Number(match[3])];
  if (first < 1 || last < first) throw new CaseError(`files ${files} is not a range of versions from 1 up`);
  const roots: TufRoot[] = [];
  for (let n = first; n <= last; n++) roots.push((await json(data(`${match[1] ?? ''}${n}.root.json`), `root ${n}`)) as TufRoot);
  const steps = verifyRootChain(roots);
  const bad = steps.find((s) => !s.ok);
  return bad ? { result: 'fail', detail: `root ${bad.version}: ${bad.reason}` } : { result: 'pass', detail: `${steps.length} roots; ${steps.at(-1)!.reason}` };
}

async function targets(value: unknown, at: Date | undefined, data: (path: string) => string): Promise<CaseOutcome> {
  const files = checkObject(value, 'files', ['root', 'targets', 'target_name', 'target_file']);
  const root = (await json(data(requiredText(files.root, 'files.root')), 'files.root')) as TufRoot;
  const metadata = await json(data(requiredText(files.targets, 'files.targets')), 'files.targets');
  const name = requiredText(files.target_name, 'files.target_name');
  const bytes = await readFile(data(requiredText(files.target_file, 'files.target_file')));
  // The root is the starting point of trust, but it must still be signed by a threshold of its own root keys.
  const self = verifyRootChain([root])[0]!;
  if (!self.ok) return { result: 'fail', detail: `the root: ${self.reason}` };
  const check = verifyTarget(root, metadata, name, bytes, at);
  return { result: check.ok ? 'pass' : 'fail', detail: check.reason };
}

export async function tufCase(c: Case, data: (path: string) => string): Promise<CaseOutcome> {
  const at = verificationTime(c);
  if (typeof c.files === 'string') return rootHistory(c.files, data);
  if (typeof c.files === 'object' && c.files !== null && !Array.isArray(c.files)) return targets(c.files, at, data);
  throw new CaseError('files is neither DIR/N..M.root.json nor {root, targets, target_name, target_file}');
}
