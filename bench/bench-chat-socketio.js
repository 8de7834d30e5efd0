// SPDX-License-Identifier: GPL-3.0-or-later
//
// The same fan-out as bench-chat, with Socket.IO: a server in its own
// process (one event loop, so one core) puts every client in one room and
// re-emits each chat message to the room; this process holds the clients
// and the senders, and measures deliveries per second and the delivery
// latency. Run by bench-chat; needs `npm install --prefix bench` first.
//
//   node bench/bench-chat-socketio.js CLIENTS SENDERS RATE SECONDS
// prints one line: socketio deliveries=N seconds=S deliveries_per_s=D p50_ms=A p99_ms=B

'use strict';

const { fork } = require('child_process');

if (process.argv[2] === 'server') {
  const { Server } = require('socket.io');
  const io = new Server({ transports: ['websocket'], serveClient: false });

  io.on('connection', (socket) => {
    socket.join('room');
    socket.on('chat', (text, ack) => {
      io.to('room').emit('message', { channel: 'room', message: { text } });
      if (typeof ack === 'function') ack(true);
    });
  });
  process.on('message', (m) => {
    if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ cpu: (user + system) / 1e6 });
    }
  });
  const httpServer = io.listen(0);
  io.httpServer.on('listening', () => process.send({ port: io.httpServer.address().port }));
  void httpServer;
  return;
}

const { io: connect } = require('socket.io-client');
const [clients, senders, rate, seconds] = process.argv.slice(2).map(Number);
// BENCH_SERVER_CPU pins the server to one core, as bench-chat pins cascaded.
const pinCpu = process.env.BENCH_SERVER_CPU;
const server = fork(
  __filename,
  ['server'],
  pinCpu !== undefined ? { execPath: 'taskset', execArgv: ['-c', pinCpu, process.execPath] } : {}
);

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function serverCpu() {
  return new Promise((resolve) => {
    const onReply = (m) => {
      if (m.cpu !== undefined) {
        server.off('message', onReply);
        resolve(m.cpu);
      }
    };
    server.on('message', onReply);
    server.send('cpu');
  });
}

server.once('message', async ({ port }) => {
  const url = `http://127.0.0.1:${port}`;
  const latencies = [];
  let deliveries = 0;
  let lastDelivery = 0n;
  const sockets = [];

  const open = (s) => new Promise((resolve) => s.on('connect', resolve));
  for (let i = 0; i < clients; i++) {
    const s = connect(url, { transports: ['websocket'], forceNew: true });
    s.on('message', (m) => {
      const now = process.hrtime.bigint();
      const sent = BigInt(m.message.text.slice(2, m.message.text.indexOf(' ')));
      latencies.push(Number(now - sent) / 1e6);
      deliveries++;
      lastDelivery = now;
    });
    sockets.push(open(s).then(() => s));
  }
  const receivers = await Promise.all(sockets);
  const senderSockets = [];
  for (let i = 0; i < senders; i++) {
    const s = connect(url, { transports: ['websocket'], forceNew: true });
    await open(s);
    senderSockets.push(s);
  }
  // everyone joined the room (socket.io joins on connection)
  await new Promise((r) => setTimeout(r, 500));

  const cpuBefore = await serverCpu();
  const clientBefore = process.cpuUsage();
  const total = Math.round(rate * seconds);
  const start = process.hrtime.bigint();
  let sent = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      const due = Math.min(total, Math.floor(elapsed * rate) + 1);
      while (sent < due) {
        senderSockets[sent % senders].emit('chat', `t=${process.hrtime.bigint()} n${sent}`);
        sent++;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  const expected = total * clients;
  const deadline = Date.now() + 30000;
  while (deliveries < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

  const span = Number(lastDelivery - start) / 1e9;
  const cpu = (await serverCpu()) - cpuBefore;
  const clientUsage = process.cpuUsage(clientBefore);
  const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
  latencies.sort((a, b) => a - b);
  console.log(
    `socketio deliveries=${deliveries} expected=${expected} seconds=${span.toFixed(2)}` +
      ` deliveries_per_s=${Math.round(deliveries / span)}` +
      ` p50_ms=${percentile(latencies, 50).toFixed(2)} p99_ms=${percentile(latencies, 99).toFixed(2)}`
  );
  console.log(
    `socketio server_cpu_s=${cpu.toFixed(2)} deliveries_per_server_cpu_s=${Math.round(deliveries / cpu)}` +
      ` client_cpu_s=${clientCpu.toFixed(2)}`
  );
  for (const s of receivers.concat(senderSockets)) s.close();
  server.kill();
  process.exit(0);
});
