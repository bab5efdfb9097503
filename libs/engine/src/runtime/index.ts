export { RuntimeError, type RuntimeErrorCode } from './errors';
export { type ModelBatch, type BatchLimits, checkModelBatch } from './model-batch';
export { LlamaModel, type LoadOptions, type AttentionKind, type ModelMemory } from './llama-model';
export { llamaHParams } from './llama-hparams';
export { sampleRows, type RowSampling, type SampleRow, type SampledRow, type SampleOptions } from './sampling';
export { generateGreedy, sequenceBatch, type GreedyStep, type GreedyOptions } from './generate-greedy';
export { logSoftmax, topLogprobs, type TokenLogprob } from './log-softmax';
