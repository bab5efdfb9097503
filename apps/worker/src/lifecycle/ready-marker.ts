/** What the worker prints on stdout once it takes traffic, followed by one JSON line (ReadyLine). */
export const READY_MARKER = 'TESSERA_WORKER_READY ';
