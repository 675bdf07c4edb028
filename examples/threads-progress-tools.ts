/**
 * A tools module for examples/threads-progress.ts: a CPU-bound tool that reports its progress
 * from its worker thread through `ctx.progress()`.
 *
 * Keep the top level free of work and side effects: it runs in every thread, and in the main
 * thread too where its tools are imported.
 */
import { createHash } from "node:crypto";
import { defineTool } from "volley";
import { z } from "zod";

/** Hashes a buffer `rounds` times: pure CPU, no await (a stand-in for parsing one file). */
function digest(rounds: number): string {
  let value: Buffer = Buffer.alloc(32);
  for (let i = 0; i < rounds; i++) value = createHash("sha256").update(value).digest();
  return value.toString("hex");
}

export const checksum = defineTool({
  name: "checksum",
  description: "Checksum a set of files, reporting each one done",
  schema: z.object({ files: z.number().int().min(1), hangAt: z.number().int().optional() }),
  isolation: "worker",
  module: import.meta.url,
  // A call that goes a second without finishing a file is stuck: its thread is terminated.
  idleTimeoutMs: 1_000,
  // However well it reports, no call runs longer than this.
  timeoutMs: 60_000,
  run: ({ files, hangAt }, ctx) => {
    let last = "";
    for (let file = 1; file <= files; file++) {
      // A stand-in for a parser that hangs on one malformed file.
      if (file === hangAt) for (;;);
      last = digest(20_000);
      ctx.progress({ progress: file, total: files, message: `file ${file}` });
    }
    return last.slice(0, 12);
  },
});
