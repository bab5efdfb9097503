export * from './sampling-params';
export * from './executor';
export * from './event-queue';
export * from './stop-checker';
export * from './request-state';
export * from './llm-engine';
export * from './native-executor';
export * from './local-engine';
