// Public face of the inter-server bus (schemas/cluster.fbs).
//
//   const bus = new InProcessBus({ serverId: 'zone-1', serverType: ServerType.Zone, secret });
//   const bus = await NatsBus.connect({ servers: nats.url, serverId: 'zone-1', serverType: ServerType.Zone, secret });
//   await bus.waitForPeers(['zone-2']);          // handshake done both ways
//   const off = bus.subscribe('zone.1.transfer', (msg, { from }) => { ... });
//   bus.publish('zone.2.transfer', { type: 'playerTransfer', ... });
//   await bus.close();
//
// Delivery: at most once, in order per publisher and subject, asynchronous, never duplicated;
// only authenticated, validated messages reach handlers (see endpoint.ts).

export {
  BusClosedError,
  DROP_REASONS,
  type Bus,
  type BusHandler,
  type BusOptions,
  type BusStats,
  type DropReason,
  type MessageMeta,
  type PeerInfo,
  type Transport,
  type Unsubscribe,
} from './endpoint.js';
export { InProcessBus, InProcessHub, type InProcessBusOptions } from './inProcess.js';
export { NatsBus, NatsTransport, type NatsBusOptions, type NatsTransportOptions } from './nats.js';
export {
  NATS_SERVER_PACKAGE,
  NatsServer,
  NatsServerMissingError,
  findNatsServer,
  freePort,
  startNatsServer,
  type NatsServerOptions,
  type StopOptions,
} from './natsServer.js';
export {
  BUS_FILE_IDENTIFIER,
  BusEncodeError,
  MAX_BUS_MESSAGE_BYTES,
  checkBody,
  decodeBusMessage,
  encodeBusMessage,
  isServerId,
  type BusDecodeResult,
  type CodecDropReason,
} from './codec.js';
export { MIN_SECRET_BYTES, REPLAY_WINDOW } from './auth.js';
export { MAX_SUBJECT_CHARS } from './subjects.js';
export {
  CHANNEL_MAX_CHARS,
  INVENTORY_MAX_STACKS,
  HOST_MAX_BYTES,
  NAME_MAX_CHARS,
  REGION_MAX_CHARS,
  REGISTRY_ERROR_MAX_CHARS,
  REGISTRY_FIELD_MAX_CHARS,
  REPLY_MAX_SERVERS,
  TEXT_MAX_CHARS,
} from './specs.js';
export {
  RegistryErrorCode,
  ServerType,
  type BusBody,
  type BusEnvelope,
  type BusPayload,
  type GlobalChatBody,
  type GlobalEventBody,
  type GuildMessageBody,
  type HelloAckBody,
  type HelloBody,
  type ItemStackObj,
  type LoadReportBody,
  type PlayerTransferBody,
  type RegistryDeregisterBody,
  type RegistryHeartbeatBody,
  type RegistryQueryBody,
  type RegistryRegisterBody,
  type RegistryReplyBody,
  type ServerRecordObj,
  type ServerStatusBody,
  type TransferAckBody,
  type ZoneChangeBody,
} from './messages.js';
