import { collectDefaultMetrics, Registry } from 'prom-client';

export interface MetricsRegistryOptions {
  /** The process's role (gateway, worker, quantizer); becomes the `service` label. */
  service: string;
  /** Extra labels on every series (e.g. the worker id). */
  labels?: Record<string, string>;
  /** Node's process metrics (CPU, memory, event-loop lag); default true. */
  processMetrics?: boolean;
}

/** A registry of its own per process role, so tests can build several side by side. */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service, ...options.labels });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
