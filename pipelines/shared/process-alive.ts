/** Whether a process with this pid is running (EPERM: it runs, as another user). Used to tell stale locks. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
