// A minimal WebSocket client (RFC 6455) for bench bots, thousands to a process: the socket
// reads into one buffer shared by every connection of the process (net's `onread`, no stream
// machinery, no allocation per read), frames are parsed in place and a message is handed over
// as a view of that buffer, valid only during the callback. Client frames are masked with keys
// from crypto's random source; the server's handshake answer is checked; ping is answered,
// close is echoed, fragments are joined; no extensions are offered (so no compression).

import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** What a connection tells its owner. `data[start, end)` is valid only until the callback returns. */
export interface LeanHandlers {
  open(): void;
  message(data: Buffer, start: number, end: number): void;
  /** Once per connection: the close code (1006 when the socket went without a close frame) and reason. */
  close(code: number, reason: string): void;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0, OP_TEXT = 1, OP_BINARY = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10;
/** Larger messages close the connection (1009): the protocol's server frames are at most 1 MiB. */
const MAX_MESSAGE_BYTES = 1 << 20;
/** Every socket of the process reads into this; each read is parsed before the next one. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);
const maskPool = Buffer.allocUnsafe(4096);
let maskAt = maskPool.length;

/** Four fresh random bytes for a frame's mask, from a pool refilled by the crypto source. */
function maskKey(): number {
  if (maskAt + 4 > maskPool.length) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  const key = maskPool.readUInt32LE(maskAt);
  maskAt += 4;
  return key;
}

/** One client frame: FIN, the opcode, the length and the payload masked with a fresh key. */
function clientFrame(opcode: number, payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + 4 + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = 0x80 | n;
  else if (n < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(n, 6);
  }
  frame.writeUInt32LE(maskKey(), head);
  const m0 = frame[head], m1 = frame[head + 1], m2 = frame[head + 2], m3 = frame[head + 3];
  const at = head + 4;
  for (let i = 0; i < n; i++) frame[at + i] = payload[i] ^ ((i & 3) === 0 ? m0 : (i & 3) === 1 ? m1 : (i & 3) === 2 ? m2 : m3);
  return frame;
}

export class LeanWebSocket {
  private readonly socket: Socket;
  private readonly key = randomBytes(16).toString('base64');
  private open = false;
  private closed = false;
  /** Bytes of an incomplete handshake answer or frame, kept from the previous read. */
  private pending: Buffer | undefined;
  /** Fragments of a message whose last frame has not come yet. */
  private fragments: Buffer[] | undefined;
  private fragmentBytes = 0;

  constructor(url: string, private readonly on: LeanHandlers) {
    const u = new URL(url);
    if (u.protocol !== 'ws:') throw new Error(`LeanWebSocket: only ws:// URLs, got ${url}`);
    const host = u.hostname, port = Number(u.port || 80);
    this.socket = connect({ host, port, onread: { buffer: readBuffer, callback: (n: number) => this.onRead(n) } });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => {
      this.socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    this.socket.on('error', (e) => this.finish(1006, e.message));
    this.socket.on('close', () => this.finish(1006, ''));
  }

  get isOpen(): boolean {
    return this.open && !this.closed;
  }

  /** One binary message (dropped when the connection is not open). */
  send(payload: Uint8Array): void {
    if (this.isOpen) this.socket.write(clientFrame(OP_BINARY, payload));
  }

  /** Closes at once, without the closing handshake. */
  terminate(): void {
    this.finish(1006, 'terminated');
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.on.close(code, reason);
  }

  /** A read of n bytes into the shared buffer: prepended with what the last read left, then parsed (true: keep reading). */
  private onRead(n: number): boolean {
    let data = readBuffer, end = n;
    if (this.pending) {
      data = Buffer.concat([this.pending, readBuffer.subarray(0, n)]);
      end = data.length;
      this.pending = undefined;
    }
    let at = this.open ? 0 : this.handshake(data, end);
    if (at < 0) return true;
    while (!this.closed && at < end) {
      const next = this.frame(data, at, end);
      if (next < 0) break;
      at = next;
    }
    if (!this.closed && at < end) this.pending = Buffer.from(data.subarray(at, end));
    return true;
  }

  /** Checks the server's 101 answer; returns where frames start, or -1 (incomplete or refused). */
  private handshake(data: Buffer, end: number): number {
    const head = data.subarray(0, end).indexOf('\r\n\r\n', 0, 'latin1');
    if (head < 0) {
      this.pending = Buffer.from(data.subarray(0, end));
      return -1;
    }
    const [status, ...lines] = data.toString('latin1', 0, head).split('\r\n');
    const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const accept = createHash('sha1').update(this.key + GUID).digest('base64');
    if (!/^HTTP\/1\.1 101\b/.test(status)) return this.refuse(`handshake: ${status}`);
    if (headers.get('upgrade')?.toLowerCase() !== 'websocket' || !/\bupgrade\b/i.test(headers.get('connection') ?? '')) {
      return this.refuse('handshake: no Upgrade: websocket');
    }
    if (headers.get('sec-websocket-accept') !== accept) return this.refuse('handshake: wrong Sec-WebSocket-Accept');
    if (headers.has('sec-websocket-extensions')) return this.refuse('handshake: an extension nobody asked for');
    this.open = true;
    this.on.open();
    return head + 4;
  }

  private refuse(reason: string): number {
    this.finish(1006, reason);
    return -1;
  }

  /** Parses the frame at `at`; returns the offset after it, or -1 when it is incomplete or fatal. */
  private frame(data: Buffer, at: number, end: number): number {
    if (end - at < 2) return -1;
    const b0 = data[at], b1 = data[at + 1];
    const fin = (b0 & 0x80) !== 0, opcode = b0 & 0x0f;
    let len = b1 & 0x7f, p = at + 2;
    if (b0 & 0x70) return this.fail(1002, 'reserved bits set');
    if (b1 & 0x80) return this.fail(1002, 'masked server frame');
    if (len === 126) {
      if (end - p < 2) return -1;
      len = data.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (end - p < 8) return -1;
      if (data.readUInt32BE(p) !== 0) return this.fail(1009, 'message too big');
      len = data.readUInt32BE(p + 4);
      p += 8;
    }
    if (len > MAX_MESSAGE_BYTES) return this.fail(1009, 'message too big');
    if (end - p < len) return -1;
    const stop = p + len;
    if (opcode >= OP_CLOSE) {
      if (!fin || len > 125) return this.fail(1002, 'bad control frame');
      this.control(opcode, data, p, stop);
      return stop;
    }
    if (opcode !== OP_CONTINUATION && opcode !== OP_TEXT && opcode !== OP_BINARY) return this.fail(1002, `opcode ${opcode}`);
    if ((opcode === OP_CONTINUATION) !== (this.fragments !== undefined)) return this.fail(1002, 'fragments out of order');
    if (fin && !this.fragments) {
      this.on.message(data, p, stop);
      return stop;
    }
    this.fragments ??= [];
    this.fragments.push(Buffer.from(data.subarray(p, stop)));
    this.fragmentBytes += len;
    if (this.fragmentBytes > MAX_MESSAGE_BYTES) return this.fail(1009, 'message too big');
    if (fin) {
      const whole = Buffer.concat(this.fragments);
      this.fragments = undefined;
      this.fragmentBytes = 0;
      this.on.message(whole, 0, whole.length);
    }
    return stop;
  }

  /** Ping is answered with the same payload; a close is echoed and ends the connection. */
  private control(opcode: number, data: Buffer, p: number, stop: number): void {
    if (opcode === OP_PING) this.socket.write(clientFrame(OP_PONG, data.subarray(p, stop)));
    else if (opcode === OP_CLOSE) {
      const code = stop - p >= 2 ? data.readUInt16BE(p) : 1005;
      const reason = stop - p > 2 ? data.toString('utf8', p + 2, stop) : '';
      this.socket.end(clientFrame(OP_CLOSE, data.subarray(p, Math.min(stop, p + 2))));
      this.closed = true;
      this.on.close(code, reason);
    } else if (opcode !== OP_PONG) this.fail(1002, `opcode ${opcode}`);
  }

  /** A protocol error: close frame with `code`, then the socket goes. */
  private fail(code: number, reason: string): number {
    const payload = Buffer.allocUnsafe(2);
    payload.writeUInt16BE(code, 0);
    this.socket.end(clientFrame(OP_CLOSE, payload));
    this.closed = true;
    this.on.close(code, reason);
    return -1;
  }
}
