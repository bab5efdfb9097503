// Quantization sweeps of the caller's team: submit (deduplicated by an id
// derived from the inputs), read, list, cancel, and the finished report.
// A sweep of another team is answered exactly like one that does not exist.

import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { ErrorCode, SweepPlan, SweepReport } from '@tessera/contracts';
import { SweepStatus, cancelSweep, clearSweepCancel, isSweepCancelled, isSweepId, removeSweepJobs, snapshotFromReport, snapshotSweep, submitSweep, summarizeSweep, sweepIdOf } from '@tessera/jobs';
import { ModelStore, checkName } from '@tessera/store';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { REDIS } from '../redis/redis.tokens';
import { MODEL_STORE, requireStore } from '../stored-models/model-store.provider';
import { snakeKeys } from '../stored-models/snake-case';
import { withStoreErrors } from '../stored-models/store-error.mapper';
import { QuantizationQueues } from './quantization-queues.provider';
import { CreateQuantizationRequest } from './quantization-request';
import { checkSource } from './quantization-source';
import { QuantizationView, quantizationView } from './quantization.view';
import { QuantizationRepository, SweepRecord } from './quantization.repository';

export const MAX_LIST_LIMIT = 100;
/** A sweep whose convert job is missing longer than this after submission had its jobs removed by retention. */
const EXPIRED_AFTER_MS = 60_000;

@Injectable()
export class QuantizationsService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(MODEL_STORE) private readonly maybeStore: ModelStore | null,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly queues: QuantizationQueues,
    private readonly sweeps: QuantizationRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Submits a sweep; `created` is false when the same work was submitted
   * before and is queued, running or completed (that sweep is returned). A
   * failed or cancelled one is started again under the same id.
   */
  async create(principal: Principal, request: CreateQuantizationRequest): Promise<{ created: boolean; view: QuantizationView }> {
    const store = requireStore(this.maybeStore);
    const team = principal.teamId;
    const source = await checkSource(request.source, { team, importDir: this.config.quantization.importDir, store });
    const name = await withStoreErrors(async () => checkName('model name', request.name ?? source.defaultName), 'name');
    const sweepId = sweepIdOf({ team, sourceFingerprint: source.fingerprint, presets: request.presets, evaluate: request.evaluate, name });
    const existing = await this.sweeps.find(sweepId);
    if (existing) {
      const status = await this.status(existing);
      if (!(status.done && (status.state === 'failed' || status.state === 'cancelled'))) return { created: false, view: quantizationView(existing, status) };
      await removeSweepJobs(this.queues.queues, existing.plan);
      await clearSweepCancel(this.redis, sweepId);
      await submitSweep(this.queues.queues.convert, existing.plan);
      return { created: true, view: await this.view(existing) };
    }
    const plan: SweepPlan = { sweepId, team, name, source: source.text, presets: request.presets, evaluate: request.evaluate };
    // Job first, record second: a crash in between leaves a job the next identical POST adopts.
    await submitSweep(this.queues.queues.convert, plan);
    const record: SweepRecord = { plan, createdAt: this.clock.now() };
    const created = await this.sweeps.createIfAbsent(record);
    return { created, view: await this.view(created ? record : ((await this.sweeps.find(sweepId)) ?? record)) };
  }

  async get(principal: Principal, id: string): Promise<QuantizationView> {
    return this.view(await this.recordOf(principal, id));
  }

  async list(principal: Principal, limit: number) {
    const records = await this.sweeps.listByTeam(principal.teamId, limit);
    return { object: 'list' as const, data: await Promise.all(records.map((r) => this.view(r))) };
  }

  /** Cancels a sweep still running; a finished one is returned as it is. */
  async cancel(principal: Principal, id: string): Promise<QuantizationView> {
    const record = await this.recordOf(principal, id);
    const status = await this.status(record);
    if (status.done) return quantizationView(record, status);
    await cancelSweep(this.redis, id);
    return this.view(record);
  }

  async report(principal: Principal, id: string, kind: 'json' | 'svg'): Promise<string | object> {
    const record = await this.recordOf(principal, id);
    const text = await requireStore(this.maybeStore).readReport(record.plan.team, id, kind);
    if (text === undefined) {
      const status = await this.status(record);
      throw new ApiError(
        ErrorCode.NotFound,
        status.done
          ? `Quantization ${id} ended ${status.state} without a report; see its errors with GET /v1/quantizations/${id}.`
          : `The report of quantization ${id} is written when every preset has finished (now ${status.state}, ${status.percent}%). Follow GET /v1/quantizations/${id}/events.`,
      );
    }
    return kind === 'json' ? (snakeKeys(JSON.parse(text)) as object) : text;
  }

  /** The sweep's record when it belongs to the caller's team; 404 otherwise. */
  async recordOf(principal: Principal, id: string): Promise<SweepRecord> {
    const record = isSweepId(id) ? await this.sweeps.find(id) : undefined;
    if (!record || record.plan.team !== principal.teamId) {
      throw new ApiError(ErrorCode.NotFound, `No quantization '${id}' exists for your team. List yours with GET /v1/quantizations.`, 'id');
    }
    return record;
  }

  async status(record: SweepRecord): Promise<SweepStatus> {
    const cancelled = await isSweepCancelled(this.redis, record.plan.sweepId);
    const snapshot = await snapshotSweep(this.queues.queues, record.plan, cancelled);
    if (snapshot.convert.phase === 'pending' && this.clock.now() - record.createdAt > EXPIRED_AFTER_MS) {
      // The jobs are gone (retention): the report in the store still tells how it ended.
      const report = await this.maybeStore?.readReport(record.plan.team, record.plan.sweepId, 'json');
      if (report) return summarizeSweep(snapshotFromReport(record.plan, JSON.parse(report) as SweepReport));
      const expired = 'internal: the jobs of this quantization expired before it finished; submit it again to rerun it';
      return summarizeSweep({ ...snapshot, convert: { phase: 'failed', failedReason: expired } });
    }
    return summarizeSweep(snapshot);
  }

  async view(record: SweepRecord): Promise<QuantizationView> {
    return quantizationView(record, await this.status(record));
  }
}
