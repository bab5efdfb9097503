export * from './affinity-key';
export * from './rendezvous-hash';
export * from './replica-router';
