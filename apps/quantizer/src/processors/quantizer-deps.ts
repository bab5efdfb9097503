// DI tokens shared by the processors and the worker host.

/** ioredis connection for plain commands (cancel flags); BullMQ opens its own. */
export const QUANT_REDIS = Symbol('QUANT_REDIS');
/** The FlowProducer that starts a sweep's flow. */
export const SWEEP_FLOWS = Symbol('SWEEP_FLOWS');
