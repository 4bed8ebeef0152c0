// The replay package: recording, reading, replaying, the flight recorder, and the test API
// (openRecording, ReplaySession, diffWorlds), exported to users as "mmo-zone-server/replay".

export {
  REPLAY_FORMAT, REPLAY_VERSION, ReplayFileError, type Recording, type ReplayHeader, type ReplayTick, type Truncation,
} from './format.js';
export { DEFAULT_SNAPSHOT_EVERY, Recorder, type RecorderOptions } from './recorder.js';
export { decodeRecording, parseRecording, readRecording } from './reader.js';
export {
  diffStates, diffWorlds, entityState, kindName, worldState, type EntityState, type FieldDiff, type KindName, type WorldState,
} from './inspect.js';
export {
  FULL_CHECK_EVERY, ReplaySession, lastTickOf, openRecording, recordedState, replay, snapshotBefore, type Divergence, type ReplayResult,
} from './replayer.js';
export { ExpectedWorld } from './expected.js';
export { entityTable, type EntityTable } from './capture.js';
export { FlightRecorder, type FlightOptions, type FlightSave } from './flight.js';
export { writeRecording } from './writer.js';
