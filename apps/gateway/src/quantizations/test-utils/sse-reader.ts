// Reads a Server-Sent Events response to its end: the JSON of every `data:`
// line, stopping at `data: [DONE]`.

export async function readSseEvents(url: string, key: string, timeoutMs: number): Promise<{ status: number; events: any[]; done: boolean }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(timeoutMs) });
  const events: any[] = [];
  if (!res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) return { status: res.status, events, done: false };
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const message = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      for (const line of message.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice('data: '.length);
        if (data === '[DONE]') return { status: res.status, events, done: true };
        events.push(JSON.parse(data));
      }
    }
  }
  return { status: res.status, events, done: false };
}
