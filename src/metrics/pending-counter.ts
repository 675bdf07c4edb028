import type { Counter, LabelValues } from "prom-client";

/** One series' count not yet added to its prom-client counter. */
export interface PendingSeries {
  readonly labels: LabelValues<string>;
  n: number;
}

/**
 * Counts kept locally and added to a prom-client counter when the counter is read (a scrape
 * calls its `collect`), so that counting a call costs a Map lookup, not prom-client's label
 * hashing and validation.
 */
export class PendingCounter {
  readonly #counter: Counter<string>;
  readonly #series = new Map<string, PendingSeries>();

  constructor(counter: Counter<string>) {
    this.#counter = counter;
  }

  /** The series under `key`, made with `labels` the first time. */
  series(key: string, labels: () => LabelValues<string>): PendingSeries {
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels: labels(), n: 0 };
      this.#series.set(key, series);
      // The series shows at 0 from its first use, as a prom-client child would.
      this.#counter.inc(series.labels, 0);
    }
    return series;
  }

  /** Adds the pending counts to the counter. */
  flush(): void {
    for (const series of this.#series.values()) {
      if (series.n === 0) continue;
      this.#counter.inc(series.labels, series.n);
      series.n = 0;
    }
  }
}
