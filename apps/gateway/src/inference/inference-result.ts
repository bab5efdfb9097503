/** What an inference service hands its controller: a JSON body or a stream of SSE payloads. */
export type InferenceResult = { kind: 'json'; body: object } | { kind: 'stream'; chunks: AsyncIterable<object>; close: () => void };
