import { readGGUF } from '@tessera/gguf';
import { IncrementalDetokenizer, Tokenizer } from '@tessera/tokenizer';
import { llamaHParams } from '../runtime/llama-hparams';
import { LlamaModel } from '../runtime/llama-model';
import { LLMEngine } from './llm-engine';
import { NativeExecutor } from './native-executor';

export interface LocalEngineOptions {
  threads?: number;
  /** KV pool size in blocks; default: enough for `maxSeqs` full contexts, capped at 64k tokens. */
  kvBlocks?: number;
  blockSize?: number;
  maxSeqs?: number;
  maxBatchedTokens?: number;
  /** Context length; default the model's training context. */
  maxModelLen?: number;
  enablePrefixCaching?: boolean;
  /** CPU ranks the model is split over (see LoadOptions.tensorParallel; default 1). */
  tensorParallel?: number;
}

/** A model, its tokenizer and an engine over them: what one replica serves. */
export interface LocalEngine {
  model: LlamaModel;
  tokenizer: Tokenizer;
  engine: LLMEngine;
  maxModelLen: number;
  close(): void;
}

/** Loads a GGUF model and builds the serving engine the CLI, worker and benches share. */
export async function openLocalEngine(path: string, options: LocalEngineOptions = {}): Promise<LocalEngine> {
  const file = await readGGUF(path);
  const tokenizer = Tokenizer.fromGGUF(file);
  const trainCtx = llamaHParams(file).nCtxTrain;
  const blockSize = options.blockSize ?? 16;
  const maxSeqs = options.maxSeqs ?? 16;
  const maxModelLen = Math.min(options.maxModelLen ?? trainCtx, trainCtx);
  const kvBlocks = options.kvBlocks ?? Math.ceil(Math.min(maxSeqs * maxModelLen, 65536) / blockSize);
  const model = await LlamaModel.load(path, { threads: options.threads, kvBlocks, blockSize, tensorParallel: options.tensorParallel });
  const engine = new LLMEngine(new NativeExecutor(model), () => new IncrementalDetokenizer(tokenizer), {
    numBlocks: kvBlocks,
    blockSize,
    maxNumSeqs: maxSeqs,
    maxNumBatchedTokens: options.maxBatchedTokens ?? 2048,
    enablePrefixCaching: options.enablePrefixCaching ?? true,
    maxModelLen,
    eosTokenIds: [...tokenizer.stopTokenIds],
  });
  return {
    model,
    tokenizer,
    engine,
    maxModelLen,
    close() {
      engine.close();
      model.close();
    },
  };
}
