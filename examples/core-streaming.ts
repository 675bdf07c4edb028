/**
 * The core executor: six tool calls run at once, each outcome printed the moment it finishes.
 * One call times out, one recovers on a retry, and a per-tool limit keeps the searches two at a
 * time. A failure is an outcome, never an exception.
 *
 * Run: npx tsx examples/core-streaming.ts
 * Peers: zod
 * Expect: 6 calls: 5 ok, 1 timeout
 */
import { createExecutor, defineTool, formatOutcomeError } from "volley";
import { z } from "zod";

/** Waits `ms`, or rejects as soon as `signal` aborts (a timeout, the batch's deadline, a cancel). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), {
      once: true,
    });
  });
}

// At most 2 searches at once, across every batch of this executor: the third one waits.
const search = defineTool({
  name: "search",
  description: "Searches the web",
  schema: z.object({ query: z.string() }),
  concurrency: 2,
  run: async ({ query }, { signal }) => {
    await sleep(200, signal);
    return `Top result for "${query}"`;
  },
});

// Fails its first attempt; the retry policy runs it again 100 ms later.
const fetchPage = defineTool({
  name: "fetch_page",
  description: "Fetches a web page",
  schema: z.object({ url: z.string().url() }),
  retry: { maxAttempts: 3, initialInterval: 100 },
  run: async ({ url }, { signal, attempt }) => {
    await sleep(100, signal);
    if (attempt === 1) throw new Error("503 Service Unavailable");
    return `<html>${url}</html>`;
  },
});

// Each attempt gets 300 ms: a slow report is cut off, and its signal aborts.
const report = defineTool({
  name: "report",
  description: "Builds a long report",
  schema: z.object({ topic: z.string() }),
  timeoutMs: 300,
  run: async ({ topic }, { signal }) => {
    await sleep(topic === "everything" ? 5_000 : 50, signal);
    return `Report on ${topic}`;
  },
});

await using executor = createExecutor({ tools: [search, fetchPage, report], concurrency: 16 });

const started = Date.now();
// The calls as a model writes them (an AIMessage's tool_calls have this shape).
const batch = executor.execute([
  { id: "s1", name: "search", args: { query: "parallel tool calls" } },
  { id: "s2", name: "search", args: { query: "bounded concurrency" } },
  { id: "s3", name: "search", args: { query: "abort signals" } },
  { id: "f1", name: "fetch_page", args: { url: "https://example.com" } },
  { id: "r1", name: "report", args: { topic: "volley" } },
  { id: "r2", name: "report", args: { topic: "everything" } },
]);

// Outcomes arrive in the order they finish, not the order of the calls.
for await (const outcome of batch) {
  const at =
    outcome.startedAt === null ? "never started" : `+${Math.round(outcome.startedAt - started)} ms`;
  const took = `started ${at}, took ${outcome.durationMs.toFixed(0)} ms, attempts ${outcome.attempts}`;
  if (outcome.status === "ok") console.log(`✓ ${outcome.id} (${took}): ${String(outcome.value)}`);
  else console.log(`✗ ${outcome.id} (${took}): ${formatOutcomeError(outcome.error)}`);
}

// The batch is also a promise of the whole report, in call order.
const { counts, wallMs } = await batch;
const failed = Object.entries(counts.byKind).map(([kind, n]) => `${n} ${kind}`);
console.log(
  `\n${counts.total} calls: ${counts.ok} ok, ${failed.join(", ")} in ${(wallMs / 1000).toFixed(2)} s`,
);
