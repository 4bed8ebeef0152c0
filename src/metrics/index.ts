export { LogHistogram, type LogHistogramData } from './histogram.js';
export { percentile, SampleWindow, summarize, type Percentiles } from './stats.js';
export { lineChart, stackedCharts, type ChartSpec, type Series } from './chart.js';
