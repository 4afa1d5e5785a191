/**
 * Named points where a refresh can be made to die, for the crash-safety test: with
 * WAREHOUSE_CRASH_AT=<point> (or <point>#<n> for its n-th passage) the process kills itself with
 * SIGKILL there — no cleanup, no finally blocks, exactly like the OOM killer or a power cut. Unset
 * (always, outside that test) a crash point costs one environment lookup.
 */
const target = process.env["WAREHOUSE_CRASH_AT"];
const [targetPoint, targetPassage = "1"] = (target ?? "").split("#");
let passages = 0;

export function crashPoint(point: string): void {
  if (!target || point !== targetPoint) return;
  passages++;
  if (passages === Number(targetPassage)) process.kill(process.pid, "SIGKILL");
}
