import { contextBridge, ipcRenderer } from 'electron';
import { PIN_PROMPT_GLOBAL, pinPromptChannels, type PinPromptBridge } from '../../shared/contract.ts';

// The prompt page gets two functions on the prompt's two channels only: read what is asked, answer once.
const bridge: PinPromptBridge = {
  request() {
    return ipcRenderer.invoke(pinPromptChannels.request) as Promise<unknown>;
  },
  answer(pin) {
    return ipcRenderer.invoke(pinPromptChannels.answer, pin).then((taken: unknown) => taken === true);
  },
};

contextBridge.exposeInMainWorld(PIN_PROMPT_GLOBAL, bridge);
