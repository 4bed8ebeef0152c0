// readServerFrame: one WebSocket message from the server to a decoded ServerMsg, counting it in
// the client's stats. Bad frames come back as a ZoneClientError to report, never as a throw,
// so the socket's message handler cannot be broken by what the server sends.

import { ErrorCode, ProtocolDecodeError, decodeServerMessage, type ServerMsg } from '../protocol/index.js';
import { ZoneClientError } from './errors.js';
import type { ZoneClientStats } from './types.js';

// Browsers deliver ArrayBuffer (binaryType 'arraybuffer'), ws may deliver a Buffer: both become
// a Uint8Array view; anything else (a text frame) is null.
function asFrameBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/**
 * Decodes `data` and counts it (frames, bytes, decode errors, unknown types). Returns the
 * message, a ZoneClientError ('protocol' for a non-binary frame, 'decode' for a malformed one),
 * or null for a message type this version does not know (ignored, PROTOCOL.md §5).
 */
export function readServerFrame(data: unknown, stats: ZoneClientStats): ServerMsg | ZoneClientError | null {
  stats.framesReceived++;
  const bytes = asFrameBytes(data);
  if (bytes === null) {
    if (typeof data === 'string') stats.bytesReceived += data.length;
    stats.decodeErrors++;
    return new ZoneClientError('protocol', typeof data === 'string' ? 'text frame from the server' : 'frame is not binary data', { code: ErrorCode.BadFrame });
  }
  stats.bytesReceived += bytes.byteLength;
  try {
    return decodeServerMessage(bytes);
  } catch (err) {
    if (err instanceof ProtocolDecodeError && err.code === ErrorCode.UnknownMessage) {
      stats.unknownMessages++;
      return null;
    }
    stats.decodeErrors++;
    const code = err instanceof ProtocolDecodeError ? err.code : ErrorCode.BadFrame;
    return new ZoneClientError('decode', `undecodable server frame: ${(err as Error)?.message ?? err}`, { code, cause: err });
  }
}
