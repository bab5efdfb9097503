import { Inject, Injectable, Logger } from '@nestjs/common';
import { pickReplica, RouterPolicy } from '@tessera/cluster';
import { ErrorCode } from '@tessera/contracts';
import { randomUUID } from 'node:crypto';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { AdmissionService } from '../limits/admission.service';
import { Clock } from '../redis/clock';
import { InFlightTracker } from '../registry/in-flight.tracker';
import { ReplicaRecord } from '../registry/replica-record';
import { RegistryService } from '../registry/registry.service';
import { GenerateEvent, PromptInput, SamplingParams, StartedEvent } from '../workers/inference-messages';
import { WorkerClient, WorkerUnavailableError } from '../workers/worker-client';
import { Generation, OutputEvent, workerErrorToApiError } from './generation';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { ModelAccessService } from './model-access.service';

export interface GenerationInput {
  model: string;
  prompt: PromptInput;
  params: SamplingParams;
  addSpecial: boolean;
  affinityKey: string;
}

export class ClientGoneError extends Error {
  readonly code = 'ECLIENTGONE';
  constructor() {
    super('The client closed the connection.');
  }
}

/**
 * The reason a worker call is aborted with once its generation is over. A
 * constant: abort() without a reason builds a DOMException with a stack trace
 * on every request, for nothing anyone reads.
 */
const CALL_RELEASED = new Error('the generation was released');

interface Head {
  started?: StartedEvent;
  first: OutputEvent;
}

/**
 * `signal`, also aborted when `confirmed` rejects: work started early stops as
 * soon as Redis refuses it. (Plain listeners: AbortSignal.any costs more per request.)
 */
function stopOnRefusal(signal: AbortSignal, confirmed: Promise<void>): AbortSignal {
  const work = new AbortController();
  const stop = () => work.abort();
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  confirmed.catch(stop);
  return work.signal;
}

/**
 * Admits a request (limits, queue), routes it to a replica and waits for its
 * first output. A replica that fails before that is replaced once by another.
 */
@Injectable()
export class GenerationService {
  private readonly logger = new Logger('Generation');
  private readonly policy: RouterPolicy;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly access: ModelAccessService,
    private readonly admission: AdmissionService,
    private readonly registry: RegistryService,
    private readonly inFlight: InFlightTracker,
    private readonly workers: WorkerClient,
    private readonly clock: Clock,
    private readonly metrics: GatewayMetrics,
  ) {
    this.policy = { staleAfterMs: config.replicaStaleMs, affinityMaxExtra: 2, affinityMaxRatio: 0.25 };
  }

  async start(principal: Principal, input: GenerationInput, signal: AbortSignal): Promise<Generation> {
    const team = await this.access.requireModel(principal, input.model);
    const admission = await this.admission.admit(team, input.model, signal);
    let refused = false;
    let generation: Generation;
    try {
      const work = admission.early ? stopOnRefusal(signal, admission.confirmed) : signal;
      generation = await this.dispatch(input, work, (usage) => admission.finish(refused ? 0 : usage.promptTokens + usage.completionTokens));
    } catch (err) {
      admission.finish(0);
      // A refusal by the rate limits explains the failure first (the request was never admitted).
      await admission.confirmed;
      throw err;
    }
    try {
      // An early admission may have started the work before Redis answered: nothing is sent before it did.
      await admission.confirmed;
    } catch (err) {
      refused = true;
      generation.close();
      throw err;
    }
    return generation;
  }

  private async dispatch(input: GenerationInput, signal: AbortSignal, onClose: (u: Generation['usage']) => void): Promise<Generation> {
    const exclude = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      const replica = await this.pick(input, exclude);
      const done = this.inFlight.start(replica.id);
      const call = new AbortController();
      const abortCall = () => call.abort();
      signal.addEventListener('abort', abortCall, { once: true });
      const request = { ...input.prompt, requestId: randomUUID(), params: input.params, priority: 0, addSpecial: input.addSpecial };
      const events = this.workers.generate(replica.address, request, call.signal)[Symbol.asyncIterator]();
      const release = () => {
        signal.removeEventListener('abort', abortCall);
        call.abort(CALL_RELEASED);
        done();
      };
      try {
        const head = await this.readHead(events, signal);
        return new Generation(replica.id, head.started, head.first, events, input.params.n, signal, (usage) => {
          release();
          onClose(usage);
        });
      } catch (err) {
        release();
        if (!(err instanceof WorkerUnavailableError)) throw err;
        this.logger.warn(`${err.message}${attempt === 0 ? '; retrying on another replica' : ''}`);
        this.metrics.replicaFailures.inc({ model: input.model });
        this.registry.markFailed(replica);
        if (attempt > 0) throw new ApiError(ErrorCode.WorkerFailed, `Two replicas of '${input.model}' failed before producing a token. Retry later.`);
        exclude.add(replica.id);
      }
    }
  }

  private async pick(input: GenerationInput, exclude: ReadonlySet<string>): Promise<ReplicaRecord> {
    const replicas = await this.registry.routableReplicasOf(input.model);
    const replica = pickReplica({ replicas, now: this.clock.now(), inFlight: this.inFlight.view, affinityKey: input.affinityKey, exclude }, this.policy);
    if (!replica) {
      throw new ApiError(ErrorCode.NoReplica, `No ready replica of '${input.model}' can take the request now. Retry after the Retry-After delay.`, null, 5);
    }
    return replica;
  }

  /** Reads up to the first token or finish. Transport failures here are retryable. */
  private async readHead(events: AsyncIterator<GenerateEvent>, signal: AbortSignal): Promise<Head> {
    let started: StartedEvent | undefined;
    for (;;) {
      const next = await events.next();
      if (signal.aborted) throw new ClientGoneError();
      if (next.done) throw new WorkerUnavailableError('replica', 'the stream ended before the first token');
      const event = next.value;
      if (event.event === 'started') started = event.started;
      else if (event.event === 'error') {
        if (event.error.code === ErrorCode.NoReplica) throw new WorkerUnavailableError('replica', event.error.message);
        throw workerErrorToApiError(event.error);
      } else return { started, first: event };
    }
  }
}
