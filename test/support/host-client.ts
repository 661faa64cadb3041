import { once } from 'node:events';
import WebSocket from 'ws';
import { SOCKET_PATH, SocketMessageSchema } from '../../shared/contract.ts';
import { createClient, type Client } from '../../shared/client.ts';

// A second client of the browser host's socket, so a test asks main itself what it recorded instead of trusting the page.
export async function connectToHost(url: string): Promise<{ api: Client; close(): void }> {
  const address = new URL(url);
  const token = new URLSearchParams(address.hash.slice(1)).get('token') ?? '';
  const ws = new WebSocket(`ws://${address.host}${SOCKET_PATH}?token=${encodeURIComponent(token)}`, { origin: address.origin });
  await once(ws, 'open');
  const pending = new Map<number, (value: unknown) => void>();
  ws.on('message', (data: Buffer) => {
    const message = SocketMessageSchema.safeParse(JSON.parse(data.toString()));
    if (message.success && message.data.kind === 'result') {
      pending.get(message.data.id)?.(message.data.result);
      pending.delete(message.data.id);
    }
  });
  let id = 0;
  const api = createClient(
    (channel, input) =>
      new Promise((resolve) => {
        const n = ++id;
        pending.set(n, resolve);
        ws.send(JSON.stringify({ id: n, channel, input }));
      }),
  );
  return { api, close: () => ws.close() };
}
