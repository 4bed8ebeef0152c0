// An I/O thread of a zone (a worker): its own uWS app on the zone's port (the kernel spreads
// new connections over the apps listening there), serving its share of the clients. It does
// no protocol work: frames in are copied to the tick thread's ring, frames out (queued by the
// tick thread in one batch per tick) are written to the sockets, and HTTP requests are relayed
// to the tick thread's endpoints. Stopping closes the listen socket and every connection
// before the thread ends (a worker torn down with a uWS socket open aborts the process).

import { parentPort, workerData } from 'node:worker_threads';
import { CLOSE_GRACE_MS, HELPER_THREAD_NICENESS, closeApp, lowerThisThread, uWS, type WebSocket } from '../../runtime/index.js';
import { isStepInput } from '../../protocol/index.js';
import { socketSettings, type SocketData } from '../socket.js';
import { BELL, COUNTER_ROWS, Counter, In, Out, type FromIoThread, type IoThreadInit, type OpenInfo, type ToIoThread } from './channel.js';
import { relayHttp } from './httpRelay.js';
import { RingReader, RingWriter } from './ring.js';

interface Client extends SocketData {
  id: number;
  slot: number;
}

const init = (workerData as { data: IoThreadInit }).data;
lowerThisThread(HELPER_THREAD_NICENESS);
const port = parentPort!;
const outbound = new RingReader(init.outbound);
const inbound = new RingWriter(init.inbound);
const counters = new Int32Array(init.counters);
const buffered = (slot: number) => Counter.Buffered * init.slots + slot;
const taken = (slot: number) => Counter.Taken * init.slots + slot;
if (counters.length !== COUNTER_ROWS * init.slots) throw new Error('io thread: counter table of the wrong size');

/** Open connections by id, and the slots free for new ones. */
const sockets = new Map<number, WebSocket<Client>>();
const freeSlots = Array.from({ length: init.slots }, (_, i) => init.slots - 1 - i);
let nextId = 1;
let listenSocket: unknown;
let stopping = false;
/** Set while waiting to retry records that found the inbound ring full. */
let retry: ReturnType<typeof setTimeout> | undefined;
const encoder = new TextEncoder(), decoder = new TextDecoder();
const time = new DataView(new ArrayBuffer(8));

function post(m: FromIoThread): void {
  port.postMessage(m);
}

/**
 * Makes what was written to the inbound ring visible; retries a backlog soon. The tick thread
 * drains the ring as each tick begins, so it is woken (once per batch) only for what wants an
 * answer before then: a step's inputs and pongs (timed here, on arrival) wait for the tick,
 * sparing it a wake-up per frame.
 */
function publish(wake: boolean): void {
  if (inbound.publish(wake)) post(BELL);
  if (inbound.waiting > 0) retry ??= setTimeout(() => { retry = undefined; publish(true); }, 5);
}

/** Writes one record of the tick thread's batch to its socket. */
function deliver(kind: number, id: number, arg: number, payload: Uint8Array): void {
  if (kind === Out.Send) Atomics.add(counters, taken(arg), payload.length);
  const ws = sockets.get(id);
  if (!ws) return; // closed meanwhile: its close is on its way to the tick thread
  if (kind === Out.Send) {
    const sent = ws.send(payload, true);
    Atomics.store(counters, buffered(arg), sent === 1 ? 0 : ws.getBufferedAmount());
  } else if (kind === Out.End) {
    ws.end(arg, decoder.decode(payload));
  } else if (kind === Out.Ping) {
    ws.ping();
  }
}

const app = uWS.App().ws<Client>('/*', {
  ...socketSettings(init.sendBudgetBytes),
  open: (ws) => {
    const c = ws.getUserData();
    const slot = freeSlots.pop();
    if (slot === undefined || stopping) return void ws.end(1013, 'too many connections; try again later');
    c.id = nextId++;
    c.slot = slot;
    sockets.set(c.id, ws);
    Atomics.store(counters, buffered(slot), 0);
    const info: OpenInfo = { observer: c.observer === true, wholeZone: c.wholeZone === true, path: c.path ?? '/' };
    inbound.write(In.Open, c.id, slot, encoder.encode(JSON.stringify(info)));
    publish(true);
  },
  message: (ws, message, isBinary) => {
    const bytes = new Uint8Array(message);
    inbound.write(In.Message, ws.getUserData().id, isBinary ? 1 : 0, bytes);
    publish(!isBinary || !isStepInput(bytes));
  },
  pong: (ws) => {
    time.setFloat64(0, performance.timeOrigin + performance.now(), true);
    inbound.write(In.Pong, ws.getUserData().id, 0, new Uint8Array(time.buffer));
    publish(false);
  },
  drain: (ws) => {
    Atomics.store(counters, buffered(ws.getUserData().slot), ws.getBufferedAmount());
  },
  close: (ws, code) => {
    const c = ws.getUserData();
    if (!sockets.delete(c.id)) return; // refused before it had an id
    Atomics.store(counters, buffered(c.slot), 0);
    freeSlots.push(c.slot);
    if (stopping) {
      if (sockets.size === 0) closeAll();
      return;
    }
    inbound.write(In.Close, c.id, code, new Uint8Array(0));
    publish(true);
  },
});
relayHttp(app, init.httpPort);

/**
 * Last frames out, then the listen socket and every connection closed; the thread then ends by
 * itself. Once its clients have answered the close handshake (or the grace is over) the app
 * closes whatever is left, HTTP keep-alive connections included: with one open the thread
 * would not end, and a thread ended by force with a socket open aborts the process.
 */
function stop(): void {
  outbound.drain(deliver);
  stopping = true;
  if (retry) clearTimeout(retry);
  if (listenSocket) uWS.us_listen_socket_close(listenSocket as never);
  listenSocket = undefined;
  for (const ws of [...sockets.values()]) ws.end(1001, 'server stopping');
  if (sockets.size === 0) closeAll();
  else grace = setTimeout(closeAll, CLOSE_GRACE_MS); // a peer that does not answer is cut off
  port.close();
}

let grace: ReturnType<typeof setTimeout> | undefined;
let closed = false;
function closeAll(): void {
  if (closed) return;
  closed = true;
  clearTimeout(grace);
  setImmediate(() => closeApp(app)); // not from inside one of its sockets' callbacks
}

port.on('message', (m: ToIoThread) => {
  if (m === BELL) {
    outbound.hearBell();
    outbound.drain(deliver);
  } else if (m.type === 'stop') stop();
});

// Without the exclusive option: every I/O thread of the zone shares the port (SO_REUSEPORT);
// the tick thread has made sure no other process holds it.
app.listen(init.host, init.port, (socket) => {
  listenSocket = socket || undefined;
  post(socket ? { type: 'listening' } : { type: 'failed', error: `io thread ${init.index} could not listen on ${init.host}:${init.port}` });
});
