// Typed failures of the test helpers. A test that cannot get its Redis or its
// child process should fail with a message that says what to fix (install a
// package, build first, look at the child's output), not with a bare timeout.

export type TestingErrorCode =
  /** The OS gave no TCP port (should not happen on a working loopback). */
  | 'TESTING_NO_PORT'
  /** A condition polled by waitFor did not hold before its deadline. */
  | 'TESTING_WAIT_TIMEOUT'
  /** The command could not be started at all (not installed, not executable). */
  | 'TESTING_SPAWN_FAILED'
  /** The child process exited before printing what the test waited for. */
  | 'TESTING_PROCESS_EXITED'
  /** The child process printed nothing matching within the time allowed. */
  | 'TESTING_OUTPUT_TIMEOUT';

export class TestingError extends Error {
  constructor(
    readonly code: TestingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TestingError';
  }
}
