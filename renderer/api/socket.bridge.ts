import { SOCKET_PATH, SocketMessageSchema, type Bridge } from '../../shared/contract.ts';
import { parseJsonOrUndefined } from '../../shared/json.ts';

const TOKEN_KEY = 'signet.token';

// The browser host hands the page a per-run token in the URL fragment; it is kept for reloads and removed from the address bar.
function takeToken(): string | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const fromUrl = fragment.get('token');
  if (fromUrl) {
    window.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    window.history.replaceState(null, '', window.location.pathname);
    return fromUrl;
  }
  return window.sessionStorage.getItem(TOKEN_KEY);
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** The browser host's transport: the same contract over one WebSocket, opened again by the next request after it drops. */
export function createSocketBridge(): Bridge {
  const token = takeToken();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let opened: Promise<WebSocket> | null = null;

  const connect = (): Promise<WebSocket> => {
    if (opened) return opened;
    opened = new Promise<WebSocket>((resolve, reject) => {
      if (!token) {
        reject(new Error('This page was opened without its access token; open the address the browser host printed.'));
        return;
      }
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(`${scheme}://${window.location.host}${SOCKET_PATH}?token=${encodeURIComponent(token)}`);
      ws.addEventListener('open', () => {
        socket = ws;
        resolve(ws);
      });
      ws.addEventListener('message', (event) => {
        const message = SocketMessageSchema.safeParse(parseJsonOrUndefined(String(event.data)));
        if (!message.success) return;
        if (message.data.kind === 'result') {
          pending.get(message.data.id)?.resolve(message.data.result);
          pending.delete(message.data.id);
        } else {
          for (const listener of listeners.get(message.data.event) ?? []) listener(message.data.payload);
        }
      });
      ws.addEventListener('close', () => {
        socket = null;
        opened = null;
        for (const call of pending.values()) call.reject(new Error('The connection to Signet was lost.'));
        pending.clear();
        reject(new Error('Signet is not answering; is the browser host still running?'));
      });
    });
    return opened;
  };

  return {
    async invoke(channel, input) {
      const ws = socket ?? (await connect());
      const id = nextId++;
      const answer = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
      ws.send(JSON.stringify({ id, channel, input }));
      return answer;
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      void connect().catch(() => undefined);
      return () => set.delete(listener);
    },
  };
}
