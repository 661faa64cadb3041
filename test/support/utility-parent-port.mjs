// Loaded with --import into a plain Node child: gives it the process.parentPort an Electron utility process has,
// carried over Node's IPC channel, so the utility-process path of a script runs here without Electron.
import { EventEmitter } from 'node:events';

const port = new EventEmitter();
process.on('message', (data) => port.emit('message', { data, ports: [] }));
port.postMessage = (message) => process.send(message);
process.parentPort = port;
