// The bus's limits by name, read from the tables that tools/codegen.ts generates from
// schemas/cluster.fbs (where the limits are declared as field attributes), and the verifier
// tables themselves. Edit the schema and run `npm run codegen`, never this file's numbers.
//
// The verifier caps strings in bytes (characters x 4 for UTF-8 text); the codec then checks
// characters, charsets and numeric ranges on the verified strings.

import { CLUSTER_LIMITS, CLUSTER_STRUCTS } from '../protocol/generated/cluster_specs.js';

export { BUS_MESSAGE_SPEC, CLUSTER_TABLE_SPECS } from '../protocol/generated/cluster_specs.js';

/** Server ids are ASCII ([A-Za-z0-9_-]), so characters and bytes agree. */
export const SERVER_ID_MAX_CHARS = CLUSTER_LIMITS.BusMessage.from.maxBytes;
export const NONCE_HEX_CHARS = CLUSTER_LIMITS.Hello.nonce.maxBytes;
export const HMAC_BYTES = CLUSTER_LIMITS.BusMessage.mac.maxLen;
export const TRANSFER_ID_MAX_BYTES = CLUSTER_LIMITS.PlayerTransfer.transfer_id.maxBytes;
export const NAME_MAX_CHARS = CLUSTER_LIMITS.PlayerTransfer.name.maxChars;
export const TEXT_MAX_CHARS = CLUSTER_LIMITS.GlobalChat.text.maxChars;
/** Channel names are ASCII ([A-Za-z0-9_-]). */
export const CHANNEL_MAX_CHARS = CLUSTER_LIMITS.GlobalChat.channel.maxBytes;
export const ENDPOINT_MAX_BYTES = CLUSTER_LIMITS.ZoneChange.endpoint.maxBytes;
export const TOKEN_MAX_BYTES = CLUSTER_LIMITS.ZoneChange.token.maxBytes;
export const INVENTORY_MAX_STACKS = CLUSTER_LIMITS.PlayerTransfer.inventory.maxLen;
export const ITEM_STACK_SIZE = CLUSTER_STRUCTS.ItemStack.size;
/** Registry over the bus (RegistryRegister .. RegistryReply). */
export const HOST_MAX_BYTES = CLUSTER_LIMITS.RegistryRegister.host.maxBytes;
export const REGION_MAX_CHARS = CLUSTER_LIMITS.RegistryRegister.region.maxChars;
export const REGISTRY_ERROR_MAX_CHARS = CLUSTER_LIMITS.RegistryReply.error.maxChars;
export const REGISTRY_FIELD_MAX_CHARS = CLUSTER_LIMITS.RegistryReply.field.maxChars;
/** Most ServerRecords in one RegistryReply (a maximal reply stays well under 64 KiB). */
export const REPLY_MAX_SERVERS = CLUSTER_LIMITS.RegistryReply.servers.maxLen;
