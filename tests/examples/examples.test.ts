import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pLimit from "p-limit";
import { beforeAll, describe, expect, it } from "vitest";
import {
  EXAMPLES,
  ROOT,
  allHeaders,
  importedSpecifiers,
  packageOf,
  runnableExamples,
} from "./headers.js";

/** How a run of one example went. */
interface ExampleRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `examples/<file>` from source as `npx tsx examples/<file>` would, in the repo root. */
function runExample(file: string, killAfterMs = 60_000): Promise<ExampleRun> {
  const child = spawn(process.execPath, ["--import", "tsx", join("examples", file)], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  return new Promise((resolve) =>
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The versions the repository tests with. */
const versions = { ...manifest.dependencies, ...manifest.devDependencies };
const examples = runnableExamples();

describe("examples/: each one declares how to run it and what it prints", () => {
  it("has runnable examples", () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(allHeaders().map((h) => [h.file, h] as const))(
    "%s: a runnable example has Run, Peers and Expect lines; a support file has none",
    (_file, header) => {
      if (header.peers === undefined) {
        // A support file (a tools module another example loads) declares nothing to run.
        expect(header.run, `${header.file} has a Run: line but no Peers: line`).toBeUndefined();
        expect(
          header.expect,
          `${header.file} has an Expect: line but no Peers: line`,
        ).toBeUndefined();
        return;
      }
      expect(header.run, `${header.file} needs a "Run:" line`).toBe(
        `npx tsx examples/${header.file}`,
      );
      expect(header.expect, `${header.file} needs an "Expect:" line`).toBeTruthy();
    },
  );

  it.each(examples.map((h) => [h.file, h] as const))(
    "%s imports Volley as a user would, and declares every package it imports",
    (_file, header) => {
      const imported = importedSpecifiers(join(EXAMPLES, header.file));
      for (const specifier of imported) {
        expect(specifier, `${header.file} imports ${specifier}`).not.toMatch(/^\.\.\//);
        const name = packageOf(specifier);
        if (name === "volley") continue;
        expect(
          header.peers,
          `${header.file} imports ${name}: list it on its Peers: line`,
        ).toContain(name);
      }
      for (const peer of header.peers!) {
        // The packaging test installs the version the repo tests with.
        expect(versions, `${header.file} needs ${peer}`).toHaveProperty([peer]);
      }
    },
  );
});

describe("examples/: each runnable example runs from source and prints what it says", () => {
  const runs = new Map<string, Promise<ExampleRun>>();
  beforeAll(() => {
    // Two at a time: the machines have two cores, and a few examples measure wall time.
    const limit = pLimit(2);
    for (const { file } of examples)
      runs.set(
        file,
        limit(() => runExample(file)),
      );
  });

  it.each(examples.map((h) => [h.file, h] as const))(
    "%s exits 0 and prints its Expect text",
    async (_file, header) => {
      const run = await runs.get(header.file)!;
      const said = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      expect(run.signal, said).toBeNull();
      expect(run.code, said).toBe(0);
      expect(run.stdout, said).toContain(header.expect);
    },
    120_000,
  );
});
