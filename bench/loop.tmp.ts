import { OVERHEAD_SCENARIOS } from "./overhead.js";
const id = process.argv[2]!;
const n = Number(process.argv[3] ?? 10000);
const batches = Number(process.argv[4] ?? 40);
const fn = await OVERHEAD_SCENARIOS[id]!(n);
const times: string[] = [];
for (let i = 0; i < batches; i++) {
  const s = performance.now();
  await fn();
  times.push((((performance.now() - s) * 1000) / n).toFixed(2));
}
console.log(id, n, times.join(" "));
