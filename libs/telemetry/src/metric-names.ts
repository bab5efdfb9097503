/**
 * Every Prometheus series Tessera exports, in one place: dashboards, alerts and the
 * autoscaling queries (KEDA / prometheus-adapter) refer to these names.
 */
export const METRIC_NAMES = {
  requestsRunning: 'tessera_requests_running',
  requestsWaiting: 'tessera_requests_waiting',
  kvCacheUsage: 'tessera_kv_cache_usage_ratio',
  timeToFirstToken: 'tessera_time_to_first_token_seconds',
  timePerOutputToken: 'tessera_time_per_output_token_seconds',
  e2eLatency: 'tessera_e2e_request_latency_seconds',
  queueTime: 'tessera_request_queue_time_seconds',
  promptTokens: 'tessera_prompt_tokens_total',
  generationTokens: 'tessera_generation_tokens_total',
  preemptions: 'tessera_preemptions_total',
  prefixCacheQueries: 'tessera_prefix_cache_queries_total',
  prefixCacheHits: 'tessera_prefix_cache_hits_total',
  requestSuccess: 'tessera_request_success_total',
} as const;
