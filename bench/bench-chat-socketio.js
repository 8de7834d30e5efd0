// SPDX-License-Identifier: GPL-3.0-or-later
//
// The same fan-out as bench-chat, with Socket.IO: a server in its own
// process (one event loop, so one core) puts every client in one room and
// re-emits each chat message to the room; this process holds the clients
// and the senders, and measures deliveries per second and the delivery
// latency. Run by bench-chat; needs `npm install --prefix bench` first.
//
//   node bench/bench-chat-socketio.js CLIENTS SENDERS RATE[,RATE...] SECONDS
// prints, for each offered load (messages a second into the room):
//   socketio rate=R deliveries=N expected=E deliveries_per_s=D p50_ms=A p99_ms=B server_cpu_s=C

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
const clients = Number(process.argv[2]);
const senders = Number(process.argv[3]);
const rates = process.argv[4].split(',').map(Number);
const seconds = Number(process.argv[5]);
// BENCH_SERVER_CPU pins the server to one core, as bench-chat pins cascaded.
const pinCpu = process.env.BENCH_SERVER_CPU;
const server = fork(
  __filename,
  ['server'],
  pinCpu !== undefined ? { execPath: 'taskset', execArgv: ['-c', pinCpu, process.execPath] } : {}
);

// Nearest rank, as bench/bench-common.c.
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

server.once('message', async ({ port }) => {
  const url = `http://127.0.0.1:${port}`;
  let level = -1;
  let latencies = [];
  let deliveries = 0;
  let lastDelivery = 0n;
  const sockets = [];

  const open = (s) => new Promise((resolve) => s.on('connect', resolve));
  const connectStart = process.hrtime.bigint();
  for (let i = 0; i < clients; i++) {
    const s = connect(url, { transports: ['websocket'], forceNew: true });
    s.on('message', (m) => {
      const now = process.hrtime.bigint();
      // "t=<sent, ns> L<level> n<number>"
      const [stamp, tag] = m.message.text.split(' ');
      if (Number(tag.slice(1)) !== level) return;
      latencies.push(Number(now - BigInt(stamp.slice(2))) / 1e6);
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
  console.log(
    `socketio: ${clients} clients and ${senders} senders connected in ` +
      `${(Number(process.hrtime.bigint() - connectStart) / 1e9).toFixed(2)} s`
  );
  // everyone joined the room (socket.io joins on connection)
  await sleep(500);

  const clientBefore = process.cpuUsage();
  for (let l = 0; l < rates.length; l++) {
    const rate = rates[l];
    const cpuBefore = await serverCpu();
    const total = Math.round(rate * seconds);
    const start = process.hrtime.bigint();
    let sent = 0;

    level = l;
    latencies = [];
    deliveries = 0;
    lastDelivery = start;
    await new Promise((resolve) => {
      const tick = () => {
        const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
        const due = Math.min(total, Math.floor(elapsed * rate) + 1);
        while (sent < due) {
          senderSockets[sent % senders].emit('chat', `t=${process.hrtime.bigint()} L${l} n${sent}`);
          sent++;
        }
        if (sent >= total) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    // until everything arrived, or nothing did for 10 s
    const expected = total * clients;
    let seen = deliveries;
    let stalledSince = Date.now();
    while (deliveries < expected && Date.now() - stalledSince < 10000) {
      await sleep(5);
      if (deliveries !== seen) {
        seen = deliveries;
        stalledSince = Date.now();
      }
    }

    const span = Number(lastDelivery - start) / 1e9;
    const cpu = (await serverCpu()) - cpuBefore;
    latencies.sort((a, b) => a - b);
    console.log(
      `socketio rate=${rate} deliveries=${deliveries} expected=${expected}` +
        ` deliveries_per_s=${Math.round(deliveries / Math.max(span, 1e-6))}` +
        ` p50_ms=${percentile(latencies, 50).toFixed(2)} p99_ms=${percentile(latencies, 99).toFixed(2)}` +
        ` server_cpu_s=${cpu.toFixed(2)}`
    );
  }
  const clientUsage = process.cpuUsage(clientBefore);
  console.log(`socketio client_cpu_s=${((clientUsage.user + clientUsage.system) / 1e6).toFixed(2)} (all levels)`);
  for (const s of receivers.concat(senderSockets)) s.close();
  server.kill();
  process.exit(0);
});
