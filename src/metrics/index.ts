export { percentile, SampleWindow, summarize, type Percentiles } from './stats.js';
