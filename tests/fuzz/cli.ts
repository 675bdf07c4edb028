/**
 * `npm run fuzz -- --runs N [--seed S] [--chunk C] [--path P]`: a fuzz campaign outside vitest.
 *
 * The runs go in chunks of C (1,000 by default), chunk i with seed S + i, so that a failure
 * (shrunk, reported with the commands that replay it) does not end the campaign: the next chunk
 * goes on. A progress line shows runs, rate and failures; a summary closes, with what the runs
 * exercised. `--path` replays one failure of seed S exactly. Exit code 1 if anything failed.
 */
import { parseArgs } from "node:util";
import { runCampaign } from "./campaign.js";
import { tally } from "./harness.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10000" },
    seed: { type: "string" },
    chunk: { type: "string", default: "1000" },
    path: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  process.stdout.write(
    "usage: npm run fuzz -- [--runs N] [--seed S] [--chunk C] [--path P]\n" +
      "  --runs N   scenarios to run (default 10000)\n" +
      "  --seed S   the first chunk's seed (default: random, printed)\n" +
      "  --chunk C  runs per chunk; chunk i uses seed S + i (default 1000)\n" +
      "  --path P   replay one failure of seed S (the path its report gives)\n",
  );
  process.exit(0);
}

function whole(name: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be a whole number ≥ ${min}, got ${String(text)}\n`);
    process.exit(2);
  }
  return n;
}

const runs = whole("runs", values.runs, 1);
const chunk = whole("chunk", values.chunk, 1);
const seed =
  values.seed === undefined
    ? Math.floor(Math.random() * 2 ** 31)
    : whole("seed", values.seed, -(2 ** 31));
const tty = process.stderr.isTTY === true;
const started = performance.now();
let done = 0;
let lastPrint = 0;
const failures: string[] = [];

function progress(final = false): void {
  const now = performance.now();
  if (!final && now - lastPrint < (tty ? 250 : 10_000)) return;
  lastPrint = now;
  const s = (now - started) / 1_000;
  const line = `fuzz: ${done.toLocaleString("en")}/${runs.toLocaleString("en")} runs, ${s.toFixed(1)} s, ${Math.round(done / s)} runs/s, ${failures.length} failure${failures.length === 1 ? "" : "s"}`;
  process.stderr.write(tty ? `\r${line}\x1b[K${final ? "\n" : ""}` : `${line}\n`);
}

process.stdout.write(
  values.path === undefined
    ? `fuzz: ${runs.toLocaleString("en")} runs from seed ${seed}, in chunks of ${chunk} (chunk i: seed ${seed} + i)\n`
    : `fuzz: replaying seed ${seed}, path ${values.path}\n`,
);

if (values.path !== undefined) {
  const result = await runCampaign({ seed, runs, path: values.path });
  if (result.failed) {
    process.stdout.write(`${result.message}\n`);
    process.exit(1);
  }
  process.stdout.write("fuzz: the replayed scenario keeps every promise\n");
  process.exit(0);
}

for (let i = 0; done < runs; i++) {
  const n = Math.min(chunk, runs - done);
  let made = 0;
  const result = await runCampaign({
    seed: seed + i,
    runs: n,
    onRun: () => {
      // Shrinking runs are not counted as runs of the campaign.
      if (made < n) {
        made++;
        done++;
        progress();
      }
    },
  });
  done += n - made;
  if (result.failed) {
    failures.push(result.message!);
    if (tty) process.stderr.write("\n");
    process.stdout.write(
      `\nfuzz: FAILURE ${failures.length} (chunk ${i}, seed ${seed + i})\n${result.message}\n\n`,
    );
  }
}
progress(true);

const seconds = (performance.now() - started) / 1_000;
const lines = [...tally.entries()]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([what, n]) => `  ${what.padEnd(28)} ${n.toLocaleString("en").padStart(12)}`);
process.stdout.write(
  `\nfuzz summary: ${runs.toLocaleString("en")} runs in ${seconds.toFixed(1)} s (${Math.round(runs / seconds)} runs/s), ` +
    `${failures.length} failure${failures.length === 1 ? "" : "s"}, seeds ${seed}..${seed + Math.ceil(runs / chunk) - 1}\n` +
    `exercised (shrinking runs included):\n${lines.join("\n")}\n`,
);
process.exit(failures.length === 0 ? 0 : 1);
