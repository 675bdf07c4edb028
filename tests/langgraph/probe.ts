import { tool } from "@langchain/core/tools";
import { z } from "zod";

/** Counts calls in flight, the most at once, the runs per query, and the aborts seen. */
export class Probe {
  inFlight = 0;
  maxInFlight = 0;
  aborted = 0;
  finished = 0;
  readonly runs = new Map<string, number>();

  /** Waits `ms`, honouring the signal; counts everything. */
  async work(query: string, ms: number, signal?: AbortSignal): Promise<void> {
    this.runs.set(query, (this.runs.get(query) ?? 0) + 1);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        onAbort = () => {
          clearTimeout(timer);
          this.aborted++;
          reject(signal!.reason instanceof Error ? signal!.reason : new Error("aborted"));
        };
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      this.finished++;
    } finally {
      // A signal may outlive the work (a graph's, shared by all its calls): leave no listener.
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
      this.inFlight--;
    }
  }

  get totalRuns(): number {
    let n = 0;
    for (const v of this.runs.values()) n += v;
    return n;
  }
}

/** A LangChain `lookup` tool that takes `ms` and answers `found <query>`. */
export function lookupTool(probe: Probe, ms = 30) {
  return tool(
    async ({ query }, config) => {
      await probe.work(query, ms, config?.signal);
      if (query.includes("fail")) throw new Error(`lookup failed for ${query}`);
      return `found ${query}`;
    },
    {
      name: "lookup",
      description: "Looks something up",
      schema: z.object({ query: z.string() }),
    },
  );
}
