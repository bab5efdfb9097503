// Test-only helpers shared by the apps' specs and test-utils. Production code
// never imports this package (tools/module-boundaries.spec.ts checks it).
export * from './testing-error';
export * from './free-port';
export * from './wait-for';
export * from './watched-process';
export * from './process-alive';
export * from './test-redis';
