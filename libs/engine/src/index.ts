export * from './core';
export * from './serving';
export * from './runtime';
