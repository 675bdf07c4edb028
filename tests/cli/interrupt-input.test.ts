import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/program.js";

describe("volley run --calls -, interrupted while standard input is still open", () => {
  it("stops at the first Ctrl-C, exit 130, instead of waiting for input that may never end", async () => {
    let out = "";
    let err = "";
    // A terminal, or `tail -f … |`: standard input that never ends.
    const stdin = new PassThrough();
    stdin.write('[{"id":"a",');
    const interrupt = new AbortController();
    // Ctrl-C once the command reads its input, not while it still loads the tools module (which
    // is another interruption, with its own message), however slow a loaded machine makes that.
    const input: AsyncIterable<string | Uint8Array> = {
      [Symbol.asyncIterator]: () => {
        setTimeout(() => interrupt.abort("Ctrl-C"), 100);
        return stdin[Symbol.asyncIterator]();
      },
    };
    const code = await Promise.race([
      main(["run", "--tools", "tests/cli/fixtures/tools.ts", "--calls", "-"], {
        stdout: { write: (c: string) => (out += c) },
        stderr: { write: (c: string) => (err += c) },
        stdin: input,
        signal: interrupt.signal,
      }),
      new Promise((resolve) => setTimeout(() => resolve("still waiting"), 10_000)),
    ]);
    expect(code).toBe(130);
    expect(err).toMatch(/Interrupted while reading the calls from standard input: no call ran/);
    expect(out).toBe("");
    stdin.destroy();
  }, 20_000);
});
