// Tests tagged `distributed` need the nodes named in ./cluster.conf to be up
// (`npm start` in another terminal). As ExUnit does in the guide, `npm test`
// checks whether they answer PING and excludes the tag when they don't.
// `npm run test:distributed` runs only them (mix test --only distributed).

import { defineConfig } from 'vitest/config';
import { clusterNodesUp } from './client-tests/support/probe.js';

export default defineConfig(async () => {
  const onlyDistributed = process.env['KV_TEST_ONLY'] === 'distributed';
  const up = await clusterNodesUp('cluster.conf');
  let tagsFilter: string[] | undefined;
  if (onlyDistributed) {
    tagsFilter = ['distributed'];
    if (!up.ok) console.log(`Distributed tests asked for, but the nodes are not up: ${up.detail}`);
  } else if (!up.ok) {
    tagsFilter = ['!distributed'];
    console.log(`Excluding tags: distributed (${up.detail}; start them with \`npm start\`)`);
  } else {
    console.log(`Including tags: distributed (${up.detail})`);
  }
  return {
    test: {
      include: ['server/**/*.test.ts', 'client-tests/**/*.test.ts'],
      tags: [{ name: 'distributed', description: 'needs the nodes of ./cluster.conf running (npm start)', timeout: 30_000 }],
      tagsFilter,
      testTimeout: 20_000,
      hookTimeout: 30_000,
      // Suites start servers on free ports; two workers match the 2-core machines.
      maxWorkers: 2,
    },
  };
});
