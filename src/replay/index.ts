export { REPLAY_FORMAT, REPLAY_VERSION, ReplayFileError, type Recording, type ReplayHeader, type ReplayTick } from './format.js';
export { Recorder } from './recorder.js';
export { parseRecording, readRecording, replay, type Divergence, type ReplayResult } from './replayer.js';
