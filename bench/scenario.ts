/**
 * What a benchmark scenario is, and the child process that runs one. A scenario builds, once per
 * batch size, the function that runs one batch; the parent (see `child-sampler.ts`) asks the child
 * for warm-ups and timed samples over IPC, one child at a time, so that no two compete for a core.
 */

/** Runs one batch; resolves to the number of calls that succeeded (checked against `n`). */
export type BatchFn = () => PromiseLike<number>;

/** Builds the batch function for `n` calls (inputs are made here, outside the timing). */
export type ScenarioFactory = (n: number) => Promise<BatchFn>;

/** A scenario module's table of scenarios, by id. */
export type ScenarioTable = Readonly<Record<string, ScenarioFactory>>;

import type { SampleTime } from "./harness.js";

/** Parent → child. */
export type SamplerRequest =
  | {
      readonly id: number;
      readonly op: "warmup";
      readonly n: number;
      readonly minMs: number;
      readonly minBatches: number;
    }
  | { readonly id: number; readonly op: "sample"; readonly n: number; readonly reps: number }
  | { readonly id: number; readonly op: "settle" };

/** `settle` waits in windows of this many ms… */
export const QUIET_WINDOW_MS = 5;

/** …until one in which the process used less than this share of a core… */
export const QUIET_SHARE = 0.1;

/** …or until this many ms have passed. */
export const QUIET_MAX_MS = 250;

/**
 * Resolves once this process is quiet: a window of {@link QUIET_WINDOW_MS} in which all its
 * threads together used less than {@link QUIET_SHARE} of a core (or after {@link QUIET_MAX_MS}).
 * Resolves to the ms it waited.
 */
export async function waitUntilQuiet(): Promise<number> {
  const start = performance.now();
  for (;;) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    await new Promise((resolve) => setTimeout(resolve, QUIET_WINDOW_MS));
    const used = process.cpuUsage(cpu);
    const share = (used.user + used.system) / 1000 / (performance.now() - t);
    if (share < QUIET_SHARE || performance.now() - start >= QUIET_MAX_MS) {
      return performance.now() - start;
    }
  }
}

/** Child → parent. */
export type SamplerReply =
  | { readonly ready: true }
  | { readonly id: number; readonly ok: true; readonly value: number | SampleTime }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** Serves one scenario over IPC. The child's entry (`scenario-child.ts`) calls it. */
export async function serveScenario(table: ScenarioTable, scenario: string): Promise<void> {
  const factory = table[scenario];
  if (factory === undefined) {
    throw new TypeError(
      `Unknown scenario "${scenario}": expected one of ${Object.keys(table).join(", ")}`,
    );
  }
  const send = (reply: SamplerReply): void => void process.send!(reply);
  const batches = new Map<number, BatchFn>();

  const batchFor = async (n: number): Promise<BatchFn> => {
    let fn = batches.get(n);
    if (fn === undefined) {
      fn = await factory(n);
      batches.set(n, fn);
    }
    return fn;
  };

  const check = (ok: number, n: number): void => {
    if (ok !== n) throw new Error(`Scenario "${scenario}" ran ${ok} of ${n} calls successfully`);
  };

  const handle = async (req: SamplerRequest): Promise<number | SampleTime> => {
    if (req.op === "settle") return waitUntilQuiet();
    const fn = await batchFor(req.n);
    if (req.op === "warmup") {
      check(await fn(), req.n);
      const start = performance.now();
      let count = 0;
      do {
        check(await fn(), req.n);
        count++;
      } while (count < req.minBatches || performance.now() - start < req.minMs);
      return (performance.now() - start) / count;
    }
    // No gc() before a sample: a forced full GC deoptimizes code that embedded objects which
    // died (V8 "weak objects"), which would charge a re-optimization to every sample. Garbage
    // collection is left to V8, as in production, and the median absorbs the odd major GC.
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < req.reps; i++) await fn();
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return { wallMs, cpuMs: (used.user + used.system) / 1000 };
  };

  process.on("message", (req: SamplerRequest) => {
    handle(req).then(
      (value) => send({ id: req.id, ok: true, value }),
      (error: unknown) =>
        send({
          id: req.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    );
  });
  process.on("disconnect", () => process.exit(0));
  send({ ready: true });
}
