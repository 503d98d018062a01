/**
 * The load generator: concurrent closed-loop workers with latency percentiles and errors by kind,
 * plus a keep-alive HTTP target for driving a node's HTTP API and a meter of the CPU a run costs.
 */
export { runLoad, describeErrors } from './load-generator.js';
export type { LoadOptions, LoadResult, OperationContext } from './load-generator.js';
export { LatencyRecorder, percentile } from './latency-recorder.js';
export type { LatencySummary } from './latency-recorder.js';
export { errorKind, HttpStatusError } from './error-kind.js';
export { createHttpTarget, expectStatus } from './http-target.js';
export { processCpuSeconds, startCpuMeter } from './cpu-meter.js';
export type { CpuMeter, CpuReading } from './cpu-meter.js';
export type { HttpAnswer, HttpTarget, HttpTargetOptions } from './http-target.js';
