import { parentPort, workerData } from 'node:worker_threads';
import { serveSigningThread } from './pkcs11.adapter.ts';
import type { SigningThreadSetup } from './signing-thread.ts';

// A signing thread's entry: the adapter owns every pkcs11js call, this file only hands it the thread's port.
serveSigningThread(parentPort!, workerData as SigningThreadSetup);
