// Cluster: registry (master), load balancer, gateway (login + routing), join tokens.
//
//   const registry = new Registry({ serverKeys });            // pure; pass `now` (ms) in
//   const gateway = new Gateway({ store, directory: new LocalDirectory(registry), secret, joinKey, rng: new Rng(seed) });
//   const app = newApp();
//   mountRegistry(app, registry);                             // /register /heartbeat /deregister /query /servers
//   mountGateway(app, gateway, { trustedProxies: [] });       // /login /route
//   mountOps(app, { registry });                              // /health /metrics
//   notFound(app);
//   const { port, close } = await listen(app, '0.0.0.0', 7000);
//
// A zone server checks Hello.token with
//   verifyJoinToken(token, joinPublicKey, Date.now(), { serverId: myRegistryId, replay: guard })
// (joinPublicKey: the public half of the gateway's joinKey, see newJoinKeyPair/joinKeyFromPem;
// `mmo zone` takes nothing else), and registers/heartbeats itself
// through a Directory holding its own key: a LocalDirectory in the master's process, a
// RegistryClient elsewhere.

export {
  NAME_RULE, PASSWORD_RULE, checkCredentials, checkName, checkPassword, hashPassword, libuvScrypt, login, verifyPassword,
  type AuthStore, type LoginFailure, type LoginResult, type ScryptRunner, type Spawn,
} from './auth.js';
export { addressList, clientSource, sourceKey } from './clientAddress.js';
export { FairQueue } from './fairQueue.js';
export { HashPool, defaultHashThreads } from './hashPool.js';
export { KeyedBuckets, type BucketRule } from './keyedBuckets.js';
export { DEFAULT_ATTEMPTS, DEFAULT_CREATIONS, LoginGate, type GateFailure, type GateResult, type LoginGateOptions, type SourceLimits } from './loginGate.js';
export { LocalDirectory, type Directory, type LocalDirectoryOptions, type Registration } from './directory.js';
export { FieldError } from './fields.js';
export {
  Gateway, createGatewayApp, endpointOf, mountGateway,
  type GatewayHttpOptions, type GatewayLogin, type GatewayLoginFailure, type GatewayOptions, type Identity, type Route, type SavedPositions, type ZoneBounds,
} from './gateway.js';
export { DEFAULT_MAX_BODY_BYTES, HttpError, PortInUseError, listen, newApp, notFound, type JsonRouteOptions, type Listening } from './http.js';
export { LoadBalancer, NoServerError, STRATEGIES, available, canTake, type Candidate, type RandomSource, type Strategy } from './loadBalancer.js';
export { mountOps, type OpsOptions } from './ops.js';
export {
  HEARTBEAT_TIMEOUT_MS, MIN_SERVER_KEY_LENGTH, Registry, RegistryError, SERVER_TYPES, newServerKeys,
  type HeartbeatInput, type RegisterInput, type RegistryErrorCode, type RegistryOptions, type ServerInfo, type ServerType,
} from './registry.js';
export { RegistryClient, type RegistryClientOptions } from './registryClient.js';
export { createRegistryApp, mountRegistry, type RegistryHttpOptions } from './registryHttp.js';
export {
  MAX_TOKEN_BYTES, ReplayGuard, TokenError, joinKeyFromPem, joinKeyPem, newJoinKeyPair, newNonce, signJoinToken, signSessionToken, verifyJoinToken, verifySessionToken,
  type JoinSigningKey, type JoinTokenPayload, type JoinVerifyKey, type Secret, type SessionPayload, type TokenFailure, type TokenResult, type VerifyJoinOptions,
} from './tokens.js';
