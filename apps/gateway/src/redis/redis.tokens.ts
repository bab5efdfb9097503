/** DI token of the gateway's shared ioredis client. */
export const REDIS = Symbol('REDIS');
