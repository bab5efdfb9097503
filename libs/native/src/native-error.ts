// The one error type the native wrapper throws. `code` is stable and
// machine-readable; the message says what was wrong and what to do.

export type NativeErrorCode =
  | 'EINVAL' // an argument is malformed (wrong type, length or size)
  | 'EUNSUPPORTED' // the tensor type has no native kernel for this direction
  | 'EABORT' // the caller's AbortSignal fired
  | 'ENOADDON' // the compiled addon is missing or does not load
  | 'ENOMEM'; // the native side could not allocate or start threads

const CODES: ReadonlySet<string> = new Set(['EINVAL', 'EUNSUPPORTED', 'EABORT', 'ENOADDON', 'ENOMEM']);

export class NativeError extends Error {
  constructor(
    readonly code: NativeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = code === 'EABORT' ? 'AbortError' : 'NativeError';
  }

  /** Wraps an error raised by the addon (which carries a `code`) as a NativeError. */
  static fromNative(err: unknown): NativeError {
    if (err instanceof NativeError) return err;
    const code = (err as { code?: unknown } | null)?.code;
    const message = err instanceof Error ? err.message : String(err);
    return new NativeError(typeof code === 'string' && CODES.has(code) ? (code as NativeErrorCode) : 'EINVAL', message, {
      cause: err,
    });
  }
}
