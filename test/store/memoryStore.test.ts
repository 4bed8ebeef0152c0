// The ZoneStore contract in memory.

import { MemoryStore } from '../../src/store/index.js';
import { storeContract } from './contract.js';

storeContract('MemoryStore', async () => {
  const store = new MemoryStore();
  return { store, reader: store };
});
