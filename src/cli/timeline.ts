import type { Outcome } from "../core/index.js";

/**
 * A text Gantt chart of a batch: one line per call, its bar placed at when it ran.
 * @param batchStartedAt When the batch started (epoch ms).
 * @param wallMs The batch's wall time (ms): the chart's full width.
 * @example
 * fast_1   ▕██                      ▏ 0.00–0.10 s
 * slow_1   ▕████████████████████    ▏ 0.00–1.00 s
 */
export function renderTimeline(
  outcomes: readonly Outcome[],
  batchStartedAt: number,
  wallMs: number,
  width = 40,
): string {
  const idWidth = Math.max(0, ...outcomes.map((o) => o.id.length));
  const span = Math.max(wallMs, 1);
  return outcomes
    .map((o) => {
      const label = o.id.padEnd(idWidth);
      if (o.startedAt === null) return `${label}  ▕${" ".repeat(width)}▏ never started`;
      const from = Math.max(0, o.startedAt - batchStartedAt);
      const to = from + o.durationMs;
      const a = Math.min(width - 1, Math.floor((from / span) * width));
      const b = Math.max(a + 1, Math.min(width, Math.round((to / span) * width)));
      const mark = o.status === "ok" ? "█" : "▒";
      const bar = " ".repeat(a) + mark.repeat(b - a) + " ".repeat(width - b);
      return `${label}  ▕${bar}▏ ${seconds(from)}–${seconds(to)} s${o.status === "ok" ? "" : `  (${o.error.kind})`}`;
    })
    .join("\n");
}

const seconds = (ms: number): string => (ms / 1_000).toFixed(2);

/** `1.02 seconds`, as the tutorial printed wall time. */
export function tutorialSeconds(ms: number): string {
  return `${(ms / 1_000).toFixed(2)} seconds`;
}
