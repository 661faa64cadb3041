import {
  channelTree,
  eventChannels,
  events,
  type ChannelTree,
  type EventChannel,
  type EventPayload,
} from '../../shared/contract.ts';

export type EventSink = (event: EventChannel, payload: unknown) => void;

/** Fans validated pushes out to every connected window or socket. */
export class EventHub {
  private readonly sinks = new Set<EventSink>();

  /** `hub.emit.domain.verb(payload)`: the typed way to push. */
  readonly emit: ChannelTree<EventChannel, { [E in EventChannel]: (payload: EventPayload<E>) => void }> = channelTree(
    eventChannels,
    (event) => ((payload: EventPayload<typeof event>) => this.publish(event, payload)) as never,
  );

  // Each host registers how it delivers a push; the returned function unregisters it.
  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  // A payload that does not match the contract is a bug in main and is never sent.
  private publish<E extends EventChannel>(event: E, payload: EventPayload<E>): void {
    const checked = events[event].parse(payload);
    for (const sink of this.sinks) {
      try {
        sink(event, checked);
      } catch (error) {
        console.error(`[signet] event sink failed for ${event}:`, error);
      }
    }
  }
}
