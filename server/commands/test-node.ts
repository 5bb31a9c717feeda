// A node for unit tests of the command modules: a real Store, no sockets, no peers.
// (Excluded from the build like the tests themselves.)

import { Store } from '../store/store.js';
import type { ClientState, Ctx, NodeView } from './types.js';
import type { Proto } from '../protocol/resp.js';

export function testClient(proto: Proto = 2): ClientState {
  return {
    id: 1,
    proto,
    name: '',
    libName: '',
    libVer: '',
    authenticated: true,
    peer: null,
    closeAfterReply: false,
    remoteAddress: '127.0.0.1:1',
    localAddress: '127.0.0.1:2',
    createdAt: Date.now(),
    lastCommand: 'NULL',
    multi: null,
    multiFailed: false,
    watched: [],
  };
}

export interface TestNode {
  ctx: Ctx;
  store: Store;
  close(): void;
}

export function testNode(proto: Proto = 2, settings: Record<string, string> = {}): TestNode {
  const store = new Store();
  const config = new Map(Object.entries({ requirepass: '', ...settings }));
  const view: NodeView = {
    name: 'test',
    store,
    startedAt: Date.now(),
    config: () => config,
    setConfig: (name, value) => {
      config.set(name, value);
      return null;
    },
    infoSection: () => null,
    clients: () => [],
    checkSecret: () => false,
    resetStats: () => {},
  };
  return { ctx: { node: view, client: testClient(proto), proto, path: [] }, store, close: () => store.close() };
}
