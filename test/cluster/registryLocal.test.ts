// The Directory contract over the Registry in this process (LocalDirectory).

import { LocalDirectory, Registry } from '../../src/cluster/index.js';
import { FakeClock } from './helpers.js';
import { directoryContract } from './registryContract.js';

directoryContract('LocalDirectory', async (serverKeys) => {
  const clock = new FakeClock();
  const registry = new Registry({ serverKeys });
  return { clock, as: (key) => new LocalDirectory(registry, { key, clock: clock.now }) };
});
