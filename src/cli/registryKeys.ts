// How registry keys reach the processes of a world: by environment, never on a command line.
// `mmo world` gives the master every zone's key and each zone process only its own.

/** Environment variable carrying the master's server keys (JSON {serverId: key}); never a flag. */
export const SERVER_KEYS_ENV = 'MMO_REGISTRY_KEYS';
/** Environment variable carrying one zone process's own registry key. */
export const SERVER_KEY_ENV = 'MMO_REGISTRY_KEY';

/** The server keys from SERVER_KEYS_ENV, or undefined when it is not set. */
export function serverKeysFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  const raw = env[SERVER_KEYS_ENV];
  if (raw === undefined || raw === '') return undefined;
  let keys: unknown;
  try {
    keys = JSON.parse(raw);
  } catch {
    throw new Error(`${SERVER_KEYS_ENV} is not JSON: expected {"serverId": "key", ...}`);
  }
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw new Error(`${SERVER_KEYS_ENV} must be a JSON object {"serverId": "key", ...}`);
  return keys as Record<string, string>;
}
