import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL, isEventChannel, isRequestChannel, type Bridge } from '../../shared/contract.ts';

// The renderer gets two functions and only the contract's channels; no ipcRenderer, no Node.
const bridge: Bridge = {
  invoke(channel, input) {
    if (!isRequestChannel(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'BadInput', message: 'Unknown channel.' } });
    }
    return ipcRenderer.invoke(channel, input) as Promise<unknown>;
  },
  on(event, listener) {
    if (!isEventChannel(event)) throw new Error('Unknown event.');
    const forward = (_event: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(event, forward);
    return () => {
      ipcRenderer.removeListener(event, forward);
    };
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
