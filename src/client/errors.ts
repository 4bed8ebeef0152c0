// ZoneClientError: the one error type the client SDK reports, on 'error' and from connect().
// Its `kind` says where it came from; server and decode errors also carry the ErrorCode.

import { ErrorCode, errorCodeName, type ErrorMsg } from '../protocol/index.js';

export type ZoneClientErrorKind =
  /** An Error frame from the server (`code`, `serverText`). */
  | 'server'
  /** A frame that is not a well-formed ServerMessage (`code` = the decoder's ErrorCode). */
  | 'decode'
  /** A text frame, a message before Welcome that needs one, or another protocol breach. */
  | 'protocol'
  /** The socket reported an error (connection refused, reset, ...). */
  | 'socket'
  /** The connection closed, or was closed by the client, before Welcome. */
  | 'closed'
  /** No Welcome within the connect timeout. */
  | 'timeout'
  /** A listener threw (`cause`). */
  | 'listener';

export class ZoneClientError extends Error {
  readonly kind: ZoneClientErrorKind;
  /** ErrorCode for 'server' and 'decode', else 0. */
  readonly code: ErrorCode;
  /** Error.text from the server ('' if none or not a server error). */
  readonly serverText: string;
  /** WebSocket close code for 'closed', else 0. */
  readonly closeCode: number;

  // One constructor for every kind; the extras that do not apply to a kind default to empty.
  constructor(
    kind: ZoneClientErrorKind,
    message: string,
    extra: { code?: ErrorCode; serverText?: string; closeCode?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ZoneClientError';
    this.kind = kind;
    this.code = extra.code ?? ErrorCode.None;
    this.serverText = extra.serverText ?? '';
    this.closeCode = extra.closeCode ?? 0;
  }

  /** The error an Error frame from the server is reported as (kind 'server'). */
  static fromServer(e: ErrorMsg): ZoneClientError {
    const message = `server error ${errorCodeName(e.code)}${e.text === '' ? '' : `: ${e.text}`}`;
    return new ZoneClientError('server', message, { code: e.code, serverText: e.text });
  }

  /** The ErrorCode's name ("BadToken"), or '' when there is no code. */
  get codeName(): string {
    return this.code === ErrorCode.None ? '' : errorCodeName(this.code);
  }
}
