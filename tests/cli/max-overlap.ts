/** When a call ran, as the JSON report gives it. */
export interface Timed {
  readonly id: string;
  readonly status: string;
  readonly startedAt: number;
  readonly durationMs: number;
}

/** The most outcomes whose [startedAt, startedAt + durationMs] overlap at one moment. */
export function maxOverlap(outcomes: readonly Timed[]): number {
  const edges = outcomes.flatMap((o) => [
    [o.startedAt, 1],
    [o.startedAt + o.durationMs, -1],
  ]) as [number, number][];
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (now += step));
  return most;
}
