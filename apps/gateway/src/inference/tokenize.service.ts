import { Injectable } from '@nestjs/common';
import { pickReplica } from '@tessera/cluster';
import { ErrorCode } from '@tessera/contracts';
import { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { Clock } from '../redis/clock';
import { InFlightTracker } from '../registry/in-flight.tracker';
import { ReplicaRecord } from '../registry/replica-record';
import { RegistryService } from '../registry/registry.service';
import { WorkerClient, WorkerRejectedError } from '../workers/worker-client';
import { DetokenizeRequestDto, TokenizeRequestDto } from './dto/tokenize-request.dto';
import { ModelAccessService } from './model-access.service';

/** vLLM-style /tokenize and /detokenize, answered by any ready replica of the model. */
@Injectable()
export class TokenizeService {
  constructor(
    private readonly access: ModelAccessService,
    private readonly registry: RegistryService,
    private readonly inFlight: InFlightTracker,
    private readonly workers: WorkerClient,
    private readonly clock: Clock,
  ) {}

  async tokenize(principal: Principal, request: TokenizeRequestDto) {
    const replica = await this.replicaFor(principal, request.model);
    const param = 'text' in request.input ? 'prompt' : 'messages';
    const result = await this.call(() => this.workers.tokenize(replica.address, { ...request.input, addSpecial: request.addSpecial }), param);
    return { tokens: result.tokens, count: result.count, max_model_len: result.maxModelLen };
  }

  async detokenize(principal: Principal, request: DetokenizeRequestDto) {
    const replica = await this.replicaFor(principal, request.model);
    const result = await this.call(() => this.workers.detokenize(replica.address, request.tokens), 'tokens');
    return { prompt: result.text };
  }

  private async replicaFor(principal: Principal, model: string): Promise<ReplicaRecord> {
    await this.access.requireModel(principal, model);
    const replica = pickReplica({ replicas: await this.registry.routableReplicasOf(model), now: this.clock.now(), inFlight: this.inFlight.view });
    if (!replica) throw new ApiError(ErrorCode.NoReplica, `No ready replica of '${model}' to tokenize with. Retry later.`, null, 5);
    return replica;
  }

  private async call<T>(fn: () => Promise<T>, param: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkerRejectedError) throw ApiError.invalid(`Invalid '${param}': ${err.detail}.`, param);
      throw new ApiError(ErrorCode.WorkerFailed, `The replica failed to answer (${(err as Error).message}). Retry the request.`);
    }
  }
}
