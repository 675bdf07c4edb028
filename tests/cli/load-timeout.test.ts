import { describe, expect, it, vi } from "vitest";
import { isCliInputError } from "../../src/cli/cli-input-error.js";
import { DEFAULT_LOAD_TIMEOUT_MS, loadTools } from "../../src/cli/load-tools.js";
import { main } from "../../src/cli/program.js";
import { runCli } from "./run-cli.js";

const NEVER = "tests/cli/fixtures/never-loads.mjs";
const CALLS = JSON.stringify([{ id: "a", name: "wait", args: { ms: 1 } }]);

describe("volley run: a tools module that never finishes loading", () => {
  it.concurrent.each([
    ["with nothing else to do (Node alone would exit 13)", NEVER],
    [
      "with a timer keeping the process alive (it would hang)",
      "tests/cli/fixtures/never-loads-busy.mjs",
    ],
  ])("exits 2 at --load-timeout, naming the module, %s", async (_name, module) => {
    const run = await runCli(["run", "--tools", module, "--calls", "-", "--load-timeout", "300"], {
      stdin: CALLS,
    });
    expect(run.stderr).toMatch(
      new RegExp(
        `^volley: Tools module .*${module.split("/").at(-1)!.replace(".", "\\.")} did not finish loading in 300 ms: does a top-level await in it never settle\\? \\(--load-timeout <ms> gives it longer\\)\\n$`,
      ),
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
  });

  it("waits 30 s by default", async () => {
    expect(DEFAULT_LOAD_TIMEOUT_MS).toBe(30_000);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let err = "";
      let code: number | undefined;
      void main(["run", "--tools", NEVER, "--calls", "-"], {
        stdout: { write: () => true },
        stderr: { write: (c: string) => (err += c) },
      }).then((c) => (code = c));
      await vi.advanceTimersByTimeAsync(29_999);
      expect(code).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      await vi.waitFor(() => expect(code).toBe(2));
      expect(err).toMatch(/never-loads\.mjs did not finish loading in 30\.00 s/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("loadTools() takes its own timeout", async () => {
    const loading = loadTools(NEVER, { timeoutMs: 100 });
    await expect(loading).rejects.toSatisfy(isCliInputError);
    await expect(loading).rejects.toThrow(/did not finish loading in 100 ms/);
  });

  it("rejects a --load-timeout that is not milliseconds > 0", async () => {
    let err = "";
    const code = await main(["run", "--tools", NEVER, "--calls", "-", "--load-timeout", "0"], {
      stdout: { write: () => true },
      stderr: { write: (c: string) => (err += c) },
    });
    expect(code).toBe(2);
    expect(err).toMatch(/--load-timeout <ms>.*Expected milliseconds/);
  });

  it("stops waiting at the first Ctrl-C: exit 130, no call ran", async () => {
    let out = "";
    let err = "";
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort("Ctrl-C"), 100);
    const code = await main(["run", "--tools", NEVER, "--calls", "-"], {
      stdout: { write: (c: string) => (out += c) },
      stderr: { write: (c: string) => (err += c) },
      stdin: (async function* () {
        yield CALLS;
      })(),
      signal: interrupt.signal,
    });
    expect(code).toBe(130);
    expect(err).toBe("Interrupted while loading the tools module: no call ran\n");
    expect(out).toBe("");
  });
});
