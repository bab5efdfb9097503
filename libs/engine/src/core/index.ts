export * from './sequence';
export * from './block-hash';
export * from './block-pool';
export * from './block-manager';
export * from './scheduler';
export * from './batch';
