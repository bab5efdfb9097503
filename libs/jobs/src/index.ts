export * from './sweep-id';
export * from './sweep-flow';
export * from './quant-queues';
export * from './sweep-submit';
export * from './sweep-cancel';
export * from './sweep-status';
export * from './snapshot-sweep';
export * from './sweep-restart';
