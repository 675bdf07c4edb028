/**
 * Waits for a quiet machine before a benchmark script starts: on 2 shared cores, what the last
 * script left winding down (a Redis flushing, workers exiting, V8 sweeping) or another user's
 * build would land on the first contender's rounds and not on the other's.
 */
import { cpus } from "node:os";

/** Each look at the machine lasts this long (ms)… */
export const QUIET_SAMPLE_MS = 500;

/** …and the machine is quiet once a look finds all its cores together less busy than this… */
export const QUIET_BUSY_SHARE = 0.15;

/** …or once this long has passed (ms): a machine that never goes quiet still gets measured. */
export const QUIET_GIVE_UP_MS = 30_000;

/** How long the wait took, and how busy the machine was in its last look. */
export interface QuietWait {
  readonly waitedMs: number;
  /** Share of all cores busy in the last look, 0 to 1. */
  readonly busy: number;
  /** False when the wait gave up at {@link QUIET_GIVE_UP_MS}. */
  readonly quiet: boolean;
}

/** CPU time of all cores so far (ms): busy and total. */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const used = times.user + times.nice + times.sys + times.irq;
    busy += used;
    total += used + times.idle;
  }
  return { busy, total };
}

/** Resolves once the machine's cores were, together, less than 15% busy for half a second. */
export async function waitForQuietMachine(
  sampleMs = QUIET_SAMPLE_MS,
  giveUpMs = QUIET_GIVE_UP_MS,
): Promise<QuietWait> {
  const started = performance.now();
  for (;;) {
    const before = cpuTimes();
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    const after = cpuTimes();
    const total = after.total - before.total;
    const busy = total > 0 ? (after.busy - before.busy) / total : 0;
    const waitedMs = performance.now() - started;
    if (busy < QUIET_BUSY_SHARE) return { waitedMs, busy, quiet: true };
    if (waitedMs >= giveUpMs) return { waitedMs, busy, quiet: false };
  }
}
