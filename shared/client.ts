import {
  channelTree,
  requestChannels,
  requests,
  ResultEnvelopeSchema,
  type ChannelTree,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from './contract.ts';
import type { AppError } from './errors.ts';

/** `client.domain.verb(input)`, typed from the contract; answers are validated before use. */
export type Client = ChannelTree<
  RequestChannel,
  { [C in RequestChannel]: (input: RequestInput<C>) => Promise<RequestOutput<C>> }
>;

/** A request main refused or failed; `error` is the data main sent. */
export class RequestFailed extends Error {
  readonly error: AppError;

  constructor(error: AppError) {
    super(error.message);
    this.name = 'RequestFailed';
    this.error = error;
  }
}

export type RawInvoke = (channel: RequestChannel, input: unknown) => Promise<unknown>;

// The renderer and the CLI both speak to main through this, so neither trusts an unchecked answer.
export function createClient(invoke: RawInvoke): Client {
  return channelTree(requestChannels, (channel) => {
    const call = async (input: unknown) => {
      const envelope = ResultEnvelopeSchema.safeParse(await invoke(channel, input));
      if (!envelope.success) {
        throw new RequestFailed({ code: 'Internal', message: `The answer to ${channel} was not a result envelope.` });
      }
      if (!envelope.data.ok) throw new RequestFailed(envelope.data.error);
      const output = requests[channel].output.safeParse(envelope.data.value);
      if (!output.success) {
        throw new RequestFailed({ code: 'Internal', message: `The answer to ${channel} did not match the contract.` });
      }
      return output.data;
    };
    return call as never;
  }) as Client;
}
