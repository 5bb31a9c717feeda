// Are the nodes of a cluster.conf up? Each must answer PING within a short time.

import net from 'node:net';
import { existsSync } from 'node:fs';
import { loadConfig } from '../../server/cluster/config.js';

function ping(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let data = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (d) => {
      data += d.toString('latin1');
      if (data.includes('\r\n')) done(data.startsWith('+PONG') || data.startsWith('-NOAUTH'));
    });
  });
}

export async function clusterNodesUp(path: string): Promise<{ ok: boolean; detail: string }> {
  if (!existsSync(path)) return { ok: false, detail: `no ${path}` };
  const cfg = loadConfig(path);
  const results = await Promise.all(cfg.nodes.map((n) => ping(n.host, n.port, 500)));
  const down = cfg.nodes.filter((_, i) => !results[i]).map((n) => `${n.name} ${n.host}:${n.port}`);
  if (down.length > 0) return { ok: false, detail: `not answering: ${down.join(', ')}` };
  return { ok: true, detail: `nodes up: ${cfg.nodes.map((n) => n.name).join(', ')}` };
}
