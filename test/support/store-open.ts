// Opens the data store of SIGNET_HOME as a host starting up does, and prints what the start did.
import { DataStore } from '../../main/storage/data.store.ts';

const { notice } = await DataStore.for(process.env.SIGNET_HOME!).open();
console.log(JSON.stringify({ notice }));
