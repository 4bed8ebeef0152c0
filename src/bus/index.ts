// Public face of the inter-server bus (schemas/cluster.fbs).
//
//   const bus = new InProcessBus({ serverId: 'zone-1', hub });
//   const bus = await NatsBus.connect({ servers: nats.url, serverId: 'zone-1', user: 'zone-1', pass });
//   const off = bus.subscribe('zone.1.transfer', (msg, { from }) => { ... });
//   bus.publish('zone.2.transfer', { type: 'playerTransfer', ... });
//   await bus.close();
//
// Delivery: at most once, in order per publisher and subject, asynchronous, never duplicated.
// `from` is the sender the broker authenticated: each server may publish only under its own
// subject prefix (NATS user permissions, or the in-process hub's). See endpoint.ts.

export {
  BusClosedError,
  DROP_REASONS,
  type Bus,
  type BusHandler,
  type BusOptions,
  type BusStats,
  type DropReason,
  type MessageMeta,
  type Transport,
  type Unsubscribe,
} from './endpoint.js';
export { ALLOW_ALL, InProcessBus, InProcessHub, type InProcessBusOptions, type Permissions } from './inProcess.js';
export { NatsBus, NatsTransport, type NatsBusOptions, type NatsTransportOptions } from './nats.js';
export { natsServerConfig, natsUser, newNatsPassword, type NatsUser } from './natsConfig.js';
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
  type BusDecodeResult,
  type CodecDropReason,
} from './codec.js';
export { MAX_SUBJECT_CHARS, isServerId, publishPermission, wirePattern, wireSubject } from './subjects.js';
export { CHANNEL_MAX_CHARS, INVENTORY_MAX_STACKS, NAME_MAX_CHARS, TEXT_MAX_CHARS } from './specs.js';
export {
  type BusBodyType,
  type BusPayload,
  type GlobalChatBody,
  type ItemStackObj,
  type PlayerTransferBody,
  type TransferAckBody,
} from './messages.js';
