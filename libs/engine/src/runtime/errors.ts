// One error type for the model runtime, so callers can tell a bad request
// (EBADBATCH, EINVAL) from a busy model (EBUSY) or a file that cannot be
// served (EMODEL...). Native errors arrive with a `code` and are rewrapped.

export type RuntimeErrorCode =
  /** An argument has the wrong type, size or range. */
  | 'EINVAL'
  /** A forward batch is internally inconsistent (sizes, positions, block tables). */
  | 'EBADBATCH'
  /** A KV block id outside the pool. */
  | 'EBADBLOCK'
  /** A forward call is already running on this model. */
  | 'EBUSY'
  /** The model was closed. */
  | 'ECLOSED'
  /** The file is not a llama-architecture model we can run. */
  | 'EUNSUPPORTEDMODEL'
  /** A tensor type without a CPU matmul kernel. */
  | 'EUNSUPPORTEDTYPE'
  /** A tensor is missing, misshapen or outside the file. */
  | 'EBADTENSOR'
  /** The model cannot be split over the asked tensor-parallel ranks. */
  | 'ETENSORPARALLEL'
  /** The native addon is not built or failed to load. */
  | 'ENOADDON'
  /** Anything else the native side reported. */
  | 'ENATIVE';

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const NATIVE_CODES: Record<string, RuntimeErrorCode> = {
  EINVAL: 'EINVAL',
  EBADBATCH: 'EBADBATCH',
  EBADBLOCK: 'EBADBLOCK',
  EBUSY: 'EBUSY',
  ECLOSED: 'ECLOSED',
  EUNSUPPORTEDTYPE: 'EUNSUPPORTEDTYPE',
  EMISSINGTENSOR: 'EBADTENSOR',
  EBADTENSOR: 'EBADTENSOR',
  EBADSHAPE: 'EBADTENSOR',
  EBADTYPE: 'EBADTENSOR',
  ETENSORPARALLEL: 'ETENSORPARALLEL',
};

/** Turns an error thrown or rejected by the addon into a RuntimeError. */
export function fromNative(err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? (NATIVE_CODES[e.code] ?? 'ENATIVE') : 'ENATIVE';
  return new RuntimeError(code, typeof e?.message === 'string' ? e.message : String(err));
}
