export { BEHAVIORS, BotBrain, type BehaviorName } from './behavior.js';
export { formatReport, runSwarm, statusUrl, type SwarmOptions, type SwarmProgress, type SwarmReport } from './swarm.js';
