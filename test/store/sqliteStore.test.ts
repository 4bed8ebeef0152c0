// The ZoneStore contract on a real SQLite file, written on the writer thread (WorkerWriter) and
// read back through a second connection, as another process would.

import { PlayerStore, WorkerWriter } from '../../src/store/index.js';
import { storeContract } from './contract.js';
import { tempStore } from './helpers.js';

const { file } = tempStore('contract');
let n = 0;

storeContract('WorkerWriter (SQLite on a writer thread)', async () => {
  const path = file(`contract-${++n}.db`);
  const store = await WorkerWriter.open(path);
  const reader = PlayerStore.open(path);
  return { store, reader, dispose: () => reader.close() };
});
