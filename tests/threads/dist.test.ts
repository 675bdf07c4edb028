import { execFile } from "node:child_process";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../", import.meta.url));
let root = "";

// Built JavaScript in a plain Node process, as users run it: the threads load `worker.js`
// without tsx, `.js` tools modules with import() and `.ts` ones through tsx's tsImport.
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "volley-threads-dist-"));
  await symlink(join(repo, "node_modules"), join(root, "node_modules"), "dir");
  await writeFile(join(root, "package.json"), JSON.stringify({ type: "module" }));
  await run(
    process.execPath,
    [
      join(repo, "node_modules/typescript/bin/tsc"),
      ...["src/index.ts", "src/threads/index.ts", "src/threads/worker.ts"],
      ...["--outDir", join(root, "dist"), "--rootDir", "src"],
      ...["--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022"],
      ...["--types", "node", "--skipLibCheck", "--noCheck"],
    ],
    { cwd: repo },
  );
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("volley/threads, built, in plain Node", () => {
  it("runs .js and .ts tools modules in threads, hears their progress, and kills a runaway one", async () => {
    const { stdout } = await run(process.execPath, [
      join(repo, "tests/threads/fixtures/dist-run.mjs"),
      root,
    ]);
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
      outcomes: { id: string; status: string; value?: unknown }[];
      wallMs: number;
      killed: number;
      progress: string[];
    };
    const byId = new Map(result.outcomes.map((o) => [o.id, o]));
    expect(byId.get("js")).toMatchObject({ status: "ok", value: { n: 2 } });
    expect(byId.get("ts")).toMatchObject({ status: "ok", value: { n: 3 } });
    expect((byId.get("js")!.value as { threadId: number }).threadId).toBeGreaterThan(0);
    expect((byId.get("ts")!.value as { threadId: number }).threadId).toBeGreaterThan(0);
    expect(byId.get("spin_js")).toMatchObject({ status: "error", kind: "timeout" });
    expect(byId.get("spin_ts")).toMatchObject({ status: "error", kind: "timeout" });
    expect(byId.get("again")).toMatchObject({ status: "ok", value: { n: 4 } });
    expect(byId.get("self")).toMatchObject({ status: "ok", value: "found" });
    expect(byId.get("rjs")).toMatchObject({ status: "ok", value: "reported" });
    expect(byId.get("rts")).toMatchObject({ status: "ok", value: "reported" });
    expect(result.progress).toEqual([
      "rjs:1/3",
      "rjs:2/3",
      "rjs:3/3",
      "rts:1/3",
      "rts:2/3",
      "rts:3/3",
    ]);
    expect(result.killed).toBe(2);
  }, 60_000);
});
