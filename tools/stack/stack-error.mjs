// The one error type of the local stack: `code` says which step failed.
export class StackError extends Error {
  /**
   * @param {'ESTACKCONFIG' | 'ESTACKBUILD' | 'ESTACKSTART' | 'ESTACKCHILD'} code
   * @param {string} message what went wrong and what to do
   */
  constructor(code, message) {
    super(message);
    this.name = 'StackError';
    this.code = code;
  }
}
