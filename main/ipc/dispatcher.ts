import {
  isRequestChannel,
  requests,
  splitChannel,
  type ChannelTree,
  type ParsedInput,
  type RequestChannel,
  type RequestOutput,
  type Result,
} from '../../shared/contract.ts';
import type { HostKind } from '../../shared/model/system.model.ts';
import { describeIssues, toAppError, type InternalErrorLog } from '../errors.ts';

/** Who is calling: the host that received the request, for handlers that care. */
export interface CallContext {
  host: HostKind;
}

export type Handler<C extends RequestChannel> = (
  input: ParsedInput<C>,
  context: CallContext,
) => Promise<RequestOutput<C>> | RequestOutput<C>;

/** One handler per channel, as `table.domain.verb`; the type makes a missing channel a compile error. */
export type HandlerTable = ChannelTree<RequestChannel, { [C in RequestChannel]: Handler<C> }>;

export type Dispatch = (channel: unknown, input: unknown, context: CallContext) => Promise<Result<unknown>>;

// Every host goes through this one function, so validation and error shaping cannot differ between them.
export function createDispatcher(handlers: HandlerTable, log?: InternalErrorLog): Dispatch {
  return async (channel, rawInput, context) => {
    if (!isRequestChannel(channel)) {
      return {
        ok: false,
        error: { code: 'BadInput', message: `Unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}.` },
      };
    }
    const spec = requests[channel];
    const parsed = spec.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      return { ok: false, error: { code: 'BadInput', message: `Invalid input for ${channel}; nothing was done.`, details: describeIssues(parsed.error) } };
    }
    try {
      const [domain, verb] = splitChannel(channel);
      const group = (handlers as unknown as Record<string, Record<string, Handler<RequestChannel>>>)[domain];
      const handler = group?.[verb];
      if (!handler) throw new Error(`no handler for ${channel}`);
      const output = await handler(parsed.data as ParsedInput<RequestChannel>, context);
      const checked = spec.output.safeParse(output);
      if (!checked.success) {
        throw new Error(`handler for ${channel} returned output outside the contract: ${describeIssues(checked.error).join('; ')}`);
      }
      return { ok: true, value: checked.data };
    } catch (error) {
      return { ok: false, error: toAppError(error, log) };
    }
  };
}
