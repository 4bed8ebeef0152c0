// Protocol constants. schemas/PROTOCOL.md is the prose version of this file. File identifiers,
// string limits and struct sizes come from the schemas (via the generated tables).

import { CLIENT_FILE_IDENTIFIER, CLIENT_LIMITS } from './generated/client_specs.js';
import { ErrorCode } from './generated/server_generated.js';
import { SERVER_FILE_IDENTIFIER, SERVER_STRUCTS } from './generated/server_specs.js';

/** Sent in Hello and Welcome; a mismatch gets Error{ProtocolVersion} and a close. */
export const PROTOCOL_VERSION = 5;

/** File identifiers at bytes 4..7 of client -> server (MMOC) and server -> client (MMOS) frames. */
export { CLIENT_FILE_IDENTIFIER, SERVER_FILE_IDENTIFIER };

/**
 * Largest client -> server frame in bytes. The largest honest frame, a Chat of 256
 * four-byte characters (1024 bytes of UTF-8), encodes to about 1.1 KB; Hello with a
 * 512-byte token and a 24-character name to about 0.7 KB.
 */
export const MAX_CLIENT_FRAME_BYTES = 2048;
/** Largest server -> client frame in bytes; clients may refuse anything longer. */
export const MAX_SERVER_FRAME_BYTES = 1 << 20;

/** Hello.name: 1..24 characters (Unicode code points). */
export const MIN_NAME_CHARS = CLIENT_LIMITS.Hello.name.minChars;
export const MAX_NAME_CHARS = CLIENT_LIMITS.Hello.name.maxChars;
/** Chat.text and Event.text: 1..256 characters (Unicode code points). */
export const MIN_CHAT_CHARS = CLIENT_LIMITS.Chat.text.minChars;
export const MAX_CHAT_CHARS = CLIENT_LIMITS.Chat.text.maxChars;
/** Hello.token and ZoneChange.token: at most 512 bytes of printable ASCII. */
export const MAX_TOKEN_BYTES = CLIENT_LIMITS.Hello.token.maxBytes;
/** UTF-8 needs at most 4 bytes per character. */
export const MAX_UTF8_BYTES_PER_CHAR = 4;

/** sizeof(EntityState) on the wire: 40 bytes, 4-byte aligned, no padding. */
export const ENTITY_STATE_SIZE = SERVER_STRUCTS.EntityState.size;

/** A connection that has not sent Hello this long after opening is closed (IdleTimeout). */
export const HELLO_TIMEOUT_MS = 10_000;
/**
 * A joined client whose view has nothing new gets no Snapshot, but never goes longer than this
 * without one (a heartbeat: tick and ack): 5 ticks at 20 Hz.
 */
export const SNAPSHOT_HEARTBEAT_MS = 250;
/** A joined connection that sends no valid frame for this long is closed (IdleTimeout). */
export const IDLE_TIMEOUT_MS = 300_000;
/**
 * Non-fatal errors are forgiven up to this many within SOFT_ERROR_WINDOW_MS; the next
 * one closes the connection with that error's code.
 */
export const SOFT_ERROR_LIMIT = 10;
export const SOFT_ERROR_WINDOW_MS = 10_000;

/** What the server does after sending an Error frame with a given code. */
export interface ErrorPolicy {
  /** true: the server closes the connection right after the Error frame. */
  readonly fatal: boolean;
  /**
   * WebSocket close code used when this error closes the connection (for non-fatal codes:
   * when the SOFT_ERROR_LIMIT is exceeded, always 1008).
   */
  readonly closeCode: number;
}

/** WebSocket close codes (RFC 6455 section 7.4.1). */
export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;

const POLICY: Readonly<Record<ErrorCode, ErrorPolicy>> = {
  [ErrorCode.None]: { fatal: false, closeCode: WS_CLOSE.normal },
  [ErrorCode.BadFrame]: { fatal: true, closeCode: WS_CLOSE.protocolError },
  [ErrorCode.TooLarge]: { fatal: true, closeCode: WS_CLOSE.messageTooBig },
  [ErrorCode.UnknownMessage]: { fatal: false, closeCode: WS_CLOSE.policyViolation },
  [ErrorCode.BadString]: { fatal: false, closeCode: WS_CLOSE.policyViolation },
  [ErrorCode.OutOfRange]: { fatal: false, closeCode: WS_CLOSE.policyViolation },
  [ErrorCode.RateLimited]: { fatal: false, closeCode: WS_CLOSE.policyViolation },
  [ErrorCode.NotJoined]: { fatal: false, closeCode: WS_CLOSE.policyViolation },
  [ErrorCode.AlreadyJoined]: { fatal: false, closeCode: WS_CLOSE.policyViolation },
  [ErrorCode.BadToken]: { fatal: true, closeCode: WS_CLOSE.policyViolation },
  [ErrorCode.InputRejected]: { fatal: false, closeCode: WS_CLOSE.policyViolation },
  [ErrorCode.ServerFull]: { fatal: true, closeCode: WS_CLOSE.tryAgainLater },
  [ErrorCode.IdleTimeout]: { fatal: true, closeCode: WS_CLOSE.normal },
  [ErrorCode.ShuttingDown]: { fatal: true, closeCode: WS_CLOSE.goingAway },
  [ErrorCode.ProtocolVersion]: { fatal: true, closeCode: WS_CLOSE.protocolError },
  [ErrorCode.TooSlow]: { fatal: true, closeCode: WS_CLOSE.policyViolation },
  [ErrorCode.Internal]: { fatal: true, closeCode: WS_CLOSE.internalError },
};

const UNKNOWN_POLICY: ErrorPolicy = { fatal: true, closeCode: WS_CLOSE.protocolError };

/** The policy for an error code (unknown codes are treated as fatal protocol errors). */
export function errorPolicy(code: ErrorCode): ErrorPolicy {
  return POLICY[code] ?? UNKNOWN_POLICY;
}

/** The ErrorCode's name ("BadFrame"), or "ErrorCode(n)" for a number the schema lacks. */
export function errorCodeName(code: number): string {
  return ErrorCode[code] ?? `ErrorCode(${code})`;
}
