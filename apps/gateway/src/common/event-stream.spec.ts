import { ServerResponse, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeEvent } from './event-stream';

/** A real HTTP server whose one response is handed to `handle`; resolves with what the client read. */
async function serveOnce(handle: (raw: ServerResponse) => Promise<void>): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    void handle(res).finally(() => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('writeEvent', () => {
  it('hands the event to the socket at once, where a plain write stays corked until the next tick', async () => {
    const seen: Array<{ how: string; corked: number; pending: number }> = [];
    // Inside a promise chain, as the inference stream writes: the next tick is far away.
    const text = await serveOnce(async (raw) => {
      await Promise.resolve();
      raw.write('data: plain\n\n');
      seen.push({ how: 'write', corked: raw.socket!.writableCorked, pending: raw.socket!.writableLength });
      await Promise.resolve();
      expect(writeEvent(raw, 'data: flushed\n\n')).toBe(true);
      seen.push({ how: 'writeEvent', corked: raw.socket!.writableCorked, pending: raw.socket!.writableLength });
    });
    expect(seen[0].corked).toBeGreaterThan(0);
    expect(seen[0].pending).toBeGreaterThan(0);
    expect(seen[1]).toEqual({ how: 'writeEvent', corked: 0, pending: 0 });
    expect(text).toBe('data: plain\n\ndata: flushed\n\n');
  });
});
