import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const TOOLS = "tests/cli/fixtures/tools.ts";

interface Snapshot {
  totals: { finished: number; ok: number; failed: number };
  calls: Array<{ id: string; status: string; kind: string | null }>;
}

describe("volley run --dashboard", () => {
  it("serves the batch on 127.0.0.1 and keeps serving after it until Ctrl-C", async () => {
    let snapshot: Snapshot | undefined;
    let page = "";
    const run = await runCli(
      ["run", "--tools", TOOLS, "--calls", "-", "--dashboard", "--dashboard-port", "0"],
      {
        stdin: JSON.stringify([
          { id: "a", name: "wait", args: { ms: 5 } },
          { id: "b", name: "fail", args: { message: "nope" } },
        ]),
        interruptWhen: "press Ctrl-C to stop",
        beforeInterrupt: async (stderr) => {
          const url = /^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stderr)![1]!;
          snapshot = (await (await fetch(`${url}snapshot.json`)).json()) as Snapshot;
          page = await (await fetch(url)).text();
        },
      },
    );
    // The batch's own code: Ctrl-C only stopped the dashboard.
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain("Interrupted");
    expect(page).toContain("<html");
    expect(snapshot!.totals).toMatchObject({ finished: 2, ok: 1, failed: 1 });
    expect(JSON.stringify(snapshot)).toContain('"nope"');
  });

  it("exits 2 when the port is taken", async () => {
    const { createServer } = await import("node:http");
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    try {
      const run = await runCli(
        ["run", "--tools", TOOLS, "--calls", "-", "--dashboard", "--dashboard-port", String(port)],
        { stdin: JSON.stringify([{ id: "a", name: "wait", args: { ms: 1 } }]) },
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(`Cannot serve the dashboard on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
      );
    } finally {
      server.close();
    }
  });
});
