import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { UtilityProcess } from 'electron';
import type { ForkUtility } from '../../main/electron/utility-process.runner.ts';

const PARENT_PORT = new URL('./utility-parent-port.mjs', import.meta.url).href;

/** Electron's utilityProcess.fork as far as Signet uses it, made of a Node child whose stdin is closed. */
export const forkLikeUtilityProcess: ForkUtility = (modulePath, args, options) => {
  const child = fork(modulePath, args, { env: options.env, execArgv: ['--import', PARENT_PORT], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const utility = Object.assign(new EventEmitter(), {
    stdout: child.stdout,
    stderr: child.stderr,
    postMessage: (message: unknown) => child.send(message as string),
    kill: () => child.kill(),
  });
  child.on('spawn', () => utility.emit('spawn'));
  child.on('message', (message) => utility.emit('message', message));
  child.on('exit', (code) => utility.emit('exit', code ?? 1));
  return utility as unknown as UtilityProcess;
};
