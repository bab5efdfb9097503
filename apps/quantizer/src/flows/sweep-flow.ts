// The sweep's BullMQ flow is built in @tessera/jobs, beside the job-id and
// status helpers the gateway uses, so producer and processors agree on it.
export { sweepFlow } from '@tessera/jobs';
