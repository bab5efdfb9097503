import { Injectable } from '@nestjs/common';
import { createMetricsRegistry } from '@tessera/telemetry';
import { Counter, Gauge, Registry } from 'prom-client';
import { InFlightTracker } from '../registry/in-flight.tracker';

/** The gateway's own series (the engines' series come from the workers). */
@Injectable()
export class GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'status'>;
  readonly replicaFailures: Counter<'model'>;

  constructor(inFlight: InFlightTracker) {
    this.registry = createMetricsRegistry({ service: 'gateway' });
    const registers = [this.registry];
    this.requests = new Counter({ name: 'tessera_gateway_requests_total', help: 'HTTP requests answered, by route and status.', labelNames: ['route', 'status'], registers });
    this.replicaFailures = new Counter({
      name: 'tessera_gateway_replica_failures_total',
      help: 'Calls to a replica that failed before the first token (retried elsewhere once).',
      labelNames: ['model'],
      registers,
    });
    new Gauge({
      name: 'tessera_gateway_requests_in_flight',
      help: 'Requests this gateway is streaming from replicas.',
      registers,
      collect() {
        let total = 0;
        for (const count of inFlight.view.values()) total += count;
        this.set(total);
      },
    });
  }
}
