import { modelsKey, modelWorkersKey, parseWorkerRecord, RegistryRecordError, workerKey, type WorkerRecord } from './registry';

const record: WorkerRecord = {
  version: 1,
  id: 'w1',
  address: '127.0.0.1:50051',
  model: 'tiny',
  maxModelLen: 1024,
  maxSeqs: 16,
  kvBlocks: 256,
  blockSize: 16,
  running: 1,
  waiting: 0,
  kvUsage: 0.125,
  ready: true,
  draining: false,
  heartbeatAt: 1000,
  expiresAt: 4000,
  startedAt: 500,
  pid: 42,
  metricsPort: 0,
};

describe('worker registry schema', () => {
  it('names keys under the prefix', () => {
    expect(workerKey('w1')).toBe('tessera:worker:w1');
    expect(modelWorkersKey('tiny', 't:')).toBe('t:workers:tiny');
    expect(modelsKey()).toBe('tessera:models');
  });

  it('round-trips a record through JSON', () => {
    expect(parseWorkerRecord(JSON.stringify(record))).toEqual(record);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['missing address', JSON.stringify({ ...record, address: undefined }), /address/],
    ['string load', JSON.stringify({ ...record, running: '1' }), /running/],
    ['ready as number', JSON.stringify({ ...record, ready: 1 }), /ready/],
  ])('rejects a record with %s', (_name, json, message) => {
    expect(() => parseWorkerRecord(json)).toThrow(RegistryRecordError);
    expect(() => parseWorkerRecord(json)).toThrow(message);
  });
});
