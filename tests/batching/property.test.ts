import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createExecutor, type Outcome } from "../../src/index.js";
import { waitTool } from "./helpers.js";

/**
 * Random mixes of every feature, with cancels and deadlines: every call ends in exactly one
 * outcome, groups and exclusive tools never overlap and keep call order, no limit is exceeded,
 * and nothing is left held, queued or running.
 */
describe("property: features together keep the executor's promises", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("holds for random batches", async () => {
    const callArb = fc.record({
      tool: fc.constantFrom("plain", "excl", "dedup", "limited", "breaker", "flaky"),
      group: fc.option(fc.constantFrom("g1", "g2"), { nil: undefined }),
      ms: fc.integer({ min: 1, max: 30 }),
      tag: fc.constantFrom("a", "b", "c"),
      fail: fc.boolean(),
      priority: fc.integer({ min: 0, max: 2 }),
    });
    const batchArb = fc.record({
      calls: fc.array(callArb, { minLength: 1, maxLength: 10 }),
      tenant: fc.option(fc.constantFrom("t1", "t2"), { nil: undefined }),
      cls: fc.constantFrom("interactive", "background" as const),
      deadlineMs: fc.option(fc.integer({ min: 5, max: 200 }), { nil: undefined }),
      cancelAt: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      delay: fc.integer({ min: 0, max: 40 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(batchArb, { minLength: 1, maxLength: 5 }),
        async (concurrency, batches) => {
          const running = new Map<string, number>();
          let total = 0;
          let most = 0;
          const groupRunning = new Map<string, string>();
          const overlaps: string[] = [];
          // First start of each call, per group: must follow call order.
          const startsByGroup = new Map<string, string[]>();
          const enter = (tool: string, key: string) => {
            running.set(tool, (running.get(tool) ?? 0) + 1);
            most = Math.max(most, ++total);
            for (const g of key.split(",").filter(Boolean)) {
              if (groupRunning.has(g)) overlaps.push(`${g}: ${groupRunning.get(g)} and ${key}`);
              groupRunning.set(g, key);
            }
          };
          const leave = (tool: string, key: string) => {
            running.set(tool, running.get(tool)! - 1);
            total--;
            for (const g of key.split(",").filter(Boolean))
              if (groupRunning.get(g) === key) groupRunning.delete(g);
          };
          const tracked = (name: string, extra: object) =>
            waitTool(name, {
              ...extra,
              onRun: (args, ctx) => {
                const key = `${args.tag ?? ""}`;
                for (const g of key.split(",").filter(Boolean)) {
                  const list = startsByGroup.get(g) ?? [];
                  if (!list.includes(ctx.callId)) list.push(ctx.callId);
                  startsByGroup.set(g, list);
                }
                enter(name, key);
                let left = false;
                const out = () => {
                  if (!left) leave(name, key);
                  left = true;
                };
                setTimeout(out, args.ms ?? 10);
                ctx.signal.addEventListener("abort", out, { once: true });
              },
            });
          const executor = createExecutor({
            concurrency,
            maxQueued: 40,
            tools: [
              tracked("plain", {}),
              tracked("excl", { exclusive: true }),
              tracked("dedup", { idempotent: true }),
              tracked("limited", { concurrency: 1, rateLimit: { max: 3, perMs: 20 } }),
              tracked("breaker", {
                circuitBreaker: { failures: 2, cooldownMs: 30 },
                onError: { fallback: "plain" },
              }),
              tracked("flaky", {
                retry: { maxAttempts: 2, initialInterval: 5, jitter: false },
                onTimeout: { default: "late" },
                timeoutMs: 25,
              }),
            ],
          });
          const runs: Array<{ size: number; done: PromiseLike<readonly Outcome[]> }> = [];
          let bi = 0;
          for (const b of batches) {
            await vi.advanceTimersByTimeAsync(b.delay);
            const n = bi++;
            const batch = executor.execute(
              b.calls.map((c, ci) => ({
                id: `${n}.${ci}`,
                name: c.tool,
                // The group key rides in `tag`, so the tool can check overlaps; dedupe sees it too.
                args: {
                  ms: c.ms,
                  fail: c.fail,
                  tag: [c.group, c.tool === "excl" ? "excl" : undefined].filter(Boolean).join(","),
                },
                priority: c.priority,
                ...(c.group !== undefined && { group: c.group }),
              })),
              {
                ...(b.tenant !== undefined && { tenant: b.tenant, class: b.cls }),
                ...(b.deadlineMs !== undefined && { deadlineMs: b.deadlineMs }),
              },
            );
            if (b.cancelAt !== undefined) setTimeout(() => batch.cancel(), b.cancelAt);
            runs.push({ size: b.calls.length, done: batch.then((r) => r.outcomes) });
          }
          await vi.advanceTimersByTimeAsync(5_000);
          const outcomes = await Promise.all(runs.map((r) => r.done));
          outcomes.forEach((list, i) => {
            expect(list).toHaveLength(runs[i]!.size);
            list.forEach((o, index) => expect(o.index).toBe(index));
          });
          expect(overlaps).toEqual([]);
          const order = (id: string) => id.split(".").map(Number) as [number, number];
          for (const ids of startsByGroup.values()) {
            const sorted = [...ids].sort((p, q) => {
              const [pb, pc] = order(p);
              const [qb, qc] = order(q);
              return pb - qb || pc - qc;
            });
            expect(ids).toEqual(sorted);
          }
          expect(most).toBeLessThanOrEqual(concurrency);
          expect(executor.stats()).toMatchObject({
            queued: 0,
            running: 0,
            held: 0,
            retrying: 0,
            batches: 0,
          });
          await executor.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
