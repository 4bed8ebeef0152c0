export { BEHAVIORS, BotBrain, type BehaviorName } from './behavior.js';
export { formatReport, readStatus, runSwarm, statusUrl, type SwarmOptions, type SwarmProgress, type SwarmReport } from './swarm.js';
