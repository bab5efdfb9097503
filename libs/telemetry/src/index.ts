export { METRIC_NAMES } from './metric-names';
export { CumulativeCounter } from './cumulative-counter';
export { createMetricsRegistry, type MetricsRegistryOptions } from './create-registry';
export { InferenceMetrics, type InferenceMetricsOptions, type EngineLoadSnapshot, type CompletionRecord } from './inference-metrics';
export { startHealthServer, type HealthServer, type HealthServerOptions, type HealthCheck, type HealthProbe } from './health-server';
export type { Registry } from 'prom-client';
