// The ceiling of any Node.js server on this machine: it answers +OK to every
// request without parsing it (it counts the '*' bytes that start RESP arrays),
// so its throughput under redis-benchmark is what the sockets and the event
// loop alone allow. The README's "what limits it" compares a kv node with it:
//   npm run -s build && node dist/bench/null-server.js 7801 &
//   redis-benchmark -p 7801 -t set -n 500000 -c 50 -P 16 -q

import net from 'node:net';

const port = Number(process.argv[2] ?? 7801);
net
  .createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      let requests = 0;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 42) requests++;
      socket.write('+OK\r\n'.repeat(requests), 'latin1');
    });
    socket.on('error', () => {});
  })
  .listen(port, '127.0.0.1', () => process.stdout.write(`null server on 127.0.0.1:${port}\n`));
