/**
 * True while a process with this PID exists (signal 0 checks without sending
 * anything). A PID owned by another user counts as alive (EPERM).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
