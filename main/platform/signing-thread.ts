import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A share of a batch: sign these inputs, one after another, on this session with this key. Handles travel as bytes. */
export interface ShareRequest {
  id: number;
  session: Uint8Array;
  key: Uint8Array;
  mechanism: number;
  /** The inputs end to end, so one message carries one buffer however large the share. */
  inputs: Uint8Array;
  inputLengths: number[];
}

export type ShareReply =
  | { id: number; signatures: Uint8Array; signatureLengths: number[] }
  | { id: number; error: { code: number; message: string } };

/** What a signing thread starts with. */
export interface SigningThreadSetup {
  modulePath: string;
}

/** A module's refusal inside a signing thread, carried back with its PKCS#11 return value. */
export class ShareError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** Laid end to end so a share crosses to its thread as one buffer, and back the same way. */
export function packBuffers(parts: Uint8Array[]): { bytes: Uint8Array; lengths: number[] } {
  return { bytes: Buffer.concat(parts), lengths: parts.map((p) => p.length) };
}

// The receiving side cuts the buffer back into its parts, copying nothing.
export function unpackBuffers(bytes: Uint8Array, lengths: number[]): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  for (const length of lengths) {
    parts.push(Buffer.from(bytes.buffer, bytes.byteOffset + at, length));
    at += length;
  }
  return parts;
}

// The thread's script is the built file beside the bundle, or the source file when Signet runs from source.
function threadScript(): string | null {
  const candidates = [new URL('../platform/pkcs11-signer.worker.js', import.meta.url), new URL('./pkcs11-signer.worker.ts', import.meta.url)];
  const found = candidates.find((c) => existsSync(c));
  return found ? fileURLToPath(found) : null;
}

/**
 * A thread of this process that signs shares of a batch on sessions the token lends it. A module that signs
 * in-process (SoftHSM) otherwise signs on the main thread only, so each thread adds a core to a large batch.
 */
export class SigningThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (signatures: Buffer[]) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private isReady = false;
  private failure: Error | null = null;

  // Null where the thread cannot be made (its script missing): such batches are then signed on the calling thread alone.
  static start(modulePath: string): SigningThread | null {
    const script = threadScript();
    if (!script) return null;
    try {
      return new SigningThread(script, { modulePath });
    } catch {
      return null;
    }
  }

  private constructor(script: string, setup: SigningThreadSetup) {
    this.worker = new Worker(script, { workerData: setup });
    this.worker.unref();
    this.worker.on('message', (message: ShareReply | 'ready') => this.receive(message));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the signing thread stopped (exit code ${code})`)));
  }

  /** True once the thread has loaded the module and waits for work; a share never waits on a thread's start. */
  get ready(): boolean {
    return this.isReady && !this.failure;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  /** Failed before it could sign anything: starting another would fail the same way. */
  get failedAtStart(): boolean {
    return this.failure !== null && !this.isReady;
  }

  // Posts at once, so the share is under way while the caller signs its own share.
  sign(session: Uint8Array, key: Uint8Array, mechanism: number, inputs: Buffer[]): Promise<Buffer[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const packed = packBuffers(inputs);
    const request: ShareRequest = { id, session, key, mechanism, inputs: packed.bytes, inputLengths: packed.lengths };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage(request);
    });
  }

  async stop(): Promise<void> {
    this.fail(new Error('the signing thread was stopped'));
    await this.worker.terminate();
  }

  private receive(message: ShareReply | 'ready'): void {
    if (message === 'ready') {
      this.isReady = true;
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.settled(message.id);
    if ('error' in message) waiter.reject(new ShareError(message.error.code, message.error.message));
    else waiter.resolve(unpackBuffers(message.signatures, message.signatureLengths));
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const [id, waiter] of [...this.pending]) {
      this.settled(id);
      waiter.reject(this.failure);
    }
  }
}
