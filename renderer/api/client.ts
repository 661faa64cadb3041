import { createClient, type Client } from '../../shared/client.ts';
import {
  BRIDGE_GLOBAL,
  channelTree,
  eventChannels,
  events,
  type Bridge,
  type ChannelTree,
  type EventChannel,
  type EventPayload,
} from '../../shared/contract.ts';
import { createSocketBridge } from './socket.bridge.ts';

/** The only place in the renderer that touches the bridge: Electron's preload, or the browser host's socket. */
function bridge(): Bridge {
  const exposed = (window as unknown as Record<string, unknown>)[BRIDGE_GLOBAL] as Bridge | undefined;
  return exposed ?? createSocketBridge();
}

const raw = bridge();

/** `api.domain.verb(input)`: every request main answers, typed and checked. */
export const api: Client = createClient((channel, input) => raw.invoke(channel, input));

type Subscribe = { [E in EventChannel]: (listener: (payload: EventPayload<E>) => void) => () => void };

/** `on.domain.verb(listener)`: pushes from main, checked against the contract before delivery. */
export const on: ChannelTree<EventChannel, Subscribe> = channelTree(eventChannels, (event) => {
  const subscribe = (listener: (payload: unknown) => void) =>
    raw.on(event, (payload) => {
      const checked = events[event].safeParse(payload);
      if (checked.success) listener(checked.data);
    });
  return subscribe as never;
});
