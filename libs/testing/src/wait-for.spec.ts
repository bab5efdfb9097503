import { TestingError } from './testing-error';
import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first value that is not undefined, polling until then', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? `after ${calls}` : undefined), { intervalMs: 1 });
    expect(value).toBe('after 3');
    expect(calls).toBe(3);
  });

  it('accepts falsy values other than undefined as an answer', async () => {
    await expect(waitFor(async () => 0)).resolves.toBe(0);
    await expect(waitFor(() => false)).resolves.toBe(false);
    await expect(waitFor(() => null)).resolves.toBeNull();
  });

  it('probes once even with a zero timeout, so a condition already true never fails', async () => {
    await expect(waitFor(() => 'now', { timeoutMs: 0 })).resolves.toBe('now');
  });

  it('fails with a typed error that names what was awaited and adds the details', async () => {
    const started = Date.now();
    const err = await waitFor(() => undefined, { timeoutMs: 60, intervalMs: 5, what: 'worker w-1 to deregister', details: () => 'last state: active' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestingError);
    expect(err).toMatchObject({ code: 'TESTING_WAIT_TIMEOUT' });
    expect((err as Error).message).toBe('timed out after 60 ms waiting for worker w-1 to deregister\nlast state: active');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('takes a bare number as the timeout', async () => {
    await expect(waitFor(() => undefined, 30)).rejects.toThrow('timed out after 30 ms waiting for the condition');
  });

  it('lets an error thrown by the probe through at once', async () => {
    await expect(waitFor(() => Promise.reject(new Error('redis down')), { timeoutMs: 5000 })).rejects.toThrow('redis down');
  });
});
