// Public face of the wire protocol (schemas/*.fbs, schemas/PROTOCOL.md).
//
// Server side: Encoder (reusable, returns views) or encodeWelcome/encodeSnapshot/... (copies),
// decodeClientMessage for untrusted input. Client side: encodeHello/encodeMove/... and
// decodeServerMessage. Nothing outside src/protocol should import ./generated directly.

export {
  EntityFlags,
  EntityKind,
  ErrorCode,
  EventKind,
} from './generated/server_generated.js';

export {
  CLIENT_FILE_IDENTIFIER,
  ENTITY_STATE_SIZE,
  HELLO_TIMEOUT_MS,
  IDLE_TIMEOUT_MS,
  MAX_CHAT_CHARS,
  MAX_CLIENT_FRAME_BYTES,
  MAX_NAME_CHARS,
  MAX_SERVER_FRAME_BYTES,
  MAX_TOKEN_BYTES,
  MAX_UTF8_BYTES_PER_CHAR,
  MIN_CHAT_CHARS,
  MIN_NAME_CHARS,
  PROTOCOL_VERSION,
  SERVER_FILE_IDENTIFIER,
  SNAPSHOT_HEARTBEAT_MS,
  SOFT_ERROR_LIMIT,
  SOFT_ERROR_WINDOW_MS,
  WS_CLOSE,
  errorCodeName,
  errorPolicy,
} from './constants.js';
export type { ErrorPolicy } from './constants.js';

export {
  Encoder,
  encodeAttack,
  encodeChat,
  encodeClientMessage,
  encodeError,
  encodeHello,
  encodeMove,
  encodePing,
  encodePong,
  encodeServerMessage,
  encodeSnapshot,
  encodeUseItem,
  encodeWelcome,
  encodeZoneChange,
} from './encode.js';
export { readEntityState, withMotion, writeEntityState } from './entity.js';
export { MOTION_SIZE, SNAPSHOT_HEADER_SIZE, varintSize, isEmptySnapshotFlags, isSnapshotFrame, readMotion, snapshotTick, writeMotion, writeSteer } from './snapshotFrame.js';
export { MAX_STEER_TICKS, PACKED_STEER_SIZE, steerGridCode, steerGridValue, steerPosition, withSteer, type SteerPoint } from './steer.js';

export {
  ProtocolDecodeError,
  decodeClientMessage,
  isStepInput,
  decodeServerMessage,
  tryDecodeServerMessage,
} from './decode.js';

export type {
  AttackInit,
  AttackMsg,
  ChatInit,
  ChatMsg,
  ClientMsg,
  DecodeResult,
  EntityStateObj,
  ErrorInit,
  ErrorMsg,
  EventInit,
  EventObj,
  HelloInit,
  HelloMsg,
  InputMsg,
  MotionObj,
  MoveInit,
  MoveMsg,
  PingInit,
  PingMsg,
  PongInit,
  PongMsg,
  RectObj,
  ServerMsg,
  SnapshotInit,
  SnapshotMsg,
  SteerObj,
  UseItemInit,
  UseItemMsg,
  WelcomeInit,
  WelcomeMsg,
  ZoneChangeInit,
  ZoneChangeMsg,
} from './types.js';
