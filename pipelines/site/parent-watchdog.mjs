// Preloaded (node --import) into the Evidence CLI the reports build starts. When the process that
// started it dies — even by SIGKILL, which leaves no chance to clean up — the CLI is re-parented;
// then this stops the CLI's whole process group (vite included), so no orphaned build keeps writing
// into the workspace the next refresh will use.
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid === parent) return;
  try {
    process.kill(-process.pid, "SIGKILL");
  } catch {
    process.exit(1);
  }
}, 500);
timer.unref();
