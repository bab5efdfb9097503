import { Registry } from 'prom-client';
import { InferenceMetrics, type EngineLoadSnapshot } from './inference-metrics';
import { METRIC_NAMES } from './metric-names';

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  return sample?.value;
}

const load: EngineLoadSnapshot = { running: 2, waiting: 3, kvUsage: 0.25, numPreemptions: 0, prefixQueriedTokens: 0, prefixHitTokens: 0 };

describe('InferenceMetrics', () => {
  it('counts tokens, finish reasons and latencies of finished completions', async () => {
    const registry = new Registry();
    const metrics = new InferenceMetrics(registry, { model: 'm' });
    const base = { queueTimeMs: 5, e2eLatencyMs: 300, timeToFirstTokenMs: 40, timePerOutputTokenMs: 12 };
    metrics.recordCompletion({ ...base, finishReason: 'stop', promptTokens: 7, outputTokens: 10 });
    metrics.recordCompletion({ ...base, finishReason: 'length', promptTokens: 0, outputTokens: 4 });
    metrics.recordCompletion({ ...base, finishReason: 'abort', promptTokens: 5, outputTokens: 0, timeToFirstTokenMs: 0, timePerOutputTokenMs: 0 });

    expect(await value(registry, METRIC_NAMES.promptTokens, { model: 'm' })).toBe(12);
    expect(await value(registry, METRIC_NAMES.generationTokens, { model: 'm' })).toBe(14);
    expect(await value(registry, METRIC_NAMES.requestSuccess, { finish_reason: 'stop' })).toBe(1);
    expect(await value(registry, METRIC_NAMES.requestSuccess, { finish_reason: 'abort' })).toBe(1);
    const text = await registry.metrics();
    // The aborted completion had no first token: only two TTFT observations.
    expect(text).toContain(`${METRIC_NAMES.timeToFirstToken}_count{model="m"} 2`);
    expect(text).toContain(`${METRIC_NAMES.e2eLatency}_count{model="m"} 3`);
    const e2eSum = Number(new RegExp(`${METRIC_NAMES.e2eLatency}_sum\\{model="m"\\} (\\S+)`).exec(text)?.[1]);
    expect(e2eSum).toBeCloseTo(0.9, 9);
  });

  it('reads live load at scrape time and keeps engine totals monotonic', async () => {
    const registry = new Registry();
    let snapshot = { ...load };
    new InferenceMetrics(registry, { model: 'm', load: () => snapshot });
    expect(await value(registry, METRIC_NAMES.requestsRunning)).toBe(2);
    expect(await value(registry, METRIC_NAMES.requestsWaiting)).toBe(3);
    expect(await value(registry, METRIC_NAMES.kvCacheUsage)).toBe(0.25);

    snapshot = { ...load, running: 0, numPreemptions: 3, prefixQueriedTokens: 64, prefixHitTokens: 32 };
    await registry.metrics();
    snapshot = { ...snapshot, numPreemptions: 5 };
    expect(await value(registry, METRIC_NAMES.requestsRunning)).toBe(0);
    expect(await value(registry, METRIC_NAMES.preemptions)).toBe(5);
    expect(await value(registry, METRIC_NAMES.prefixCacheHits)).toBe(32);
    // A restarted source (totals back near zero) adds on top instead of going down.
    snapshot = { ...snapshot, numPreemptions: 1 };
    expect(await value(registry, METRIC_NAMES.preemptions)).toBe(6);
  });

  it('names every series with the tessera_ prefix', () => {
    for (const name of Object.values(METRIC_NAMES)) expect(name).toMatch(/^tessera_[a-z0-9_]+$/);
  });
});
