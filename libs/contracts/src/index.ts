export * from './error-codes';
export * from './proto-path';
