import {
  declaresError,
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
import type { AppError } from '../../shared/errors.ts';
import { describeIssues, toAppError, type InternalErrorLog } from '../errors.ts';
import { describeInvalidInput } from './input-problems.ts';

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

export interface DispatchOptions {
  /** Told of a refusal whose code the channel's contract entry does not declare; by default a warning in main's log outside production. */
  onUndeclared?: (channel: RequestChannel, error: AppError) => void;
  /** Answer an undeclared code as Internal (the detail goes to the log), so the contract's error lists hold at runtime. */
  enforceDeclaredErrors?: boolean;
}

// Outside production an undeclared code is worth a line in the log: the contract's list, or the handler, needs a look.
function warnUndeclared(channel: RequestChannel, error: AppError): void {
  if (process.env.NODE_ENV === 'production') return;
  console.warn(`[signet] ${channel} answered ${error.code}, which its contract entry does not declare: ${error.message}`);
}

// Every host goes through this one function, so validation and error shaping cannot differ between them.
export function createDispatcher(handlers: HandlerTable, log?: InternalErrorLog, options: DispatchOptions = {}): Dispatch {
  const onUndeclared = options.onUndeclared ?? warnUndeclared;
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
      return { ok: false, error: { code: 'BadInput', ...describeInvalidInput(parsed.error, rawInput ?? {}) } };
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
      const answer = toAppError(error, log);
      if (declaresError(channel, answer.code)) return { ok: false, error: answer };
      onUndeclared(channel, answer);
      if (!options.enforceDeclaredErrors) return { ok: false, error: answer };
      return { ok: false, error: toAppError(new Error(`${channel} answered ${answer.code}, which it does not declare: ${answer.message}`), log) };
    }
  };
}
