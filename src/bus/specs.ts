// The bus's limits by name, read from the tables that tools/codegen.ts generates from
// schemas/cluster.fbs (where the limits are declared as field attributes), and the verifier
// tables themselves. Edit the schema and run `npm run codegen`, never this file's numbers.
//
// The verifier caps strings in bytes (characters x 4 for UTF-8 text); the codec then checks
// characters, charsets and numeric ranges on the verified strings.

import { CLUSTER_LIMITS, CLUSTER_STRUCTS } from '../protocol/generated/cluster_specs.js';

export { BUS_MESSAGE_SPEC, CLUSTER_TABLE_SPECS } from '../protocol/generated/cluster_specs.js';

export const TRANSFER_ID_MAX_BYTES = CLUSTER_LIMITS.PlayerTransfer.transfer_id.maxBytes;
export const NAME_MAX_CHARS = CLUSTER_LIMITS.PlayerTransfer.name.maxChars;
export const TEXT_MAX_CHARS = CLUSTER_LIMITS.GlobalChat.text.maxChars;
/** Channel names are ASCII ([A-Za-z0-9_-]). */
export const CHANNEL_MAX_CHARS = CLUSTER_LIMITS.GlobalChat.channel.maxBytes;
export const INVENTORY_MAX_STACKS = CLUSTER_LIMITS.PlayerTransfer.inventory.maxLen;
export const ITEM_STACK_SIZE = CLUSTER_STRUCTS.ItemStack.size;
