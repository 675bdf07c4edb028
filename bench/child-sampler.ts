import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Sampler, SampleTime } from "./harness.js";
import type { SamplerReply, SamplerRequest } from "./scenario.js";

const CHILD = fileURLToPath(new URL("./scenario-child.ts", import.meta.url));

/** Node flags of every measuring child: TypeScript through tsx. */
export const CHILD_EXEC_ARGV = ["--import", "tsx"] as const;

/** A scenario id, or a scenario under another name with extra environment (another core). */
export type SamplerSpec =
  | string
  | {
      readonly scenario: string;
      readonly name?: string;
      readonly env?: Readonly<Record<string, string>>;
    };

type Pending = { resolve(value: never): void; reject(error: Error): void };

/**
 * A scenario measured in its own child process, so that scenarios share no JIT state, heap or
 * garbage. Spawn all of them first (startup is the slow part), then sample them in turn.
 */
export class ChildSampler implements Sampler {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  readonly #ready: Promise<void>;
  #nextId = 0;
  #exited: Error | undefined;

  constructor(section: string, spec: SamplerSpec, cwd: string) {
    const { scenario, name = scenario, env } = typeof spec === "string" ? { scenario: spec } : spec;
    this.name = name;
    this.#child = fork(CHILD, [section, scenario], {
      cwd,
      env: env === undefined ? process.env : { ...process.env, ...env },
      execArgv: [...CHILD_EXEC_ARGV],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let markReady!: () => void;
    let failReady!: (error: Error) => void;
    this.#ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.#child.on("message", (reply: SamplerReply) => {
      if ("ready" in reply) return markReady();
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.value as never);
      else pending.reject(new Error(`${section}/${name}: ${reply.error}`));
    });
    this.#child.on("exit", (code, signal) => {
      this.#exited = new Error(
        `${section}/${name}: the child exited (code ${code}, signal ${signal})`,
      );
      failReady(this.#exited);
      for (const p of this.#pending.values()) p.reject(this.#exited);
      this.#pending.clear();
    });
  }

  /** Resolves once the child has loaded its scenario. */
  ready(): Promise<void> {
    return this.#ready;
  }

  warmUp(n: number, minMs: number, minBatches: number): Promise<number> {
    return this.#request<number>({ id: 0, op: "warmup", n, minMs, minBatches });
  }

  sample(n: number, reps: number): Promise<SampleTime> {
    return this.#request<SampleTime>({ id: 0, op: "sample", n, reps });
  }

  settle(): Promise<number> {
    return this.#request<number>({ id: 0, op: "settle" });
  }

  /** Lets the child exit. */
  close(): void {
    if (this.#child.connected) this.#child.disconnect();
  }

  #request<R>(req: SamplerRequest): Promise<R> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = ++this.#nextId;
    return new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ ...req, id });
    });
  }
}

/** Spawns one child per scenario, all at once, and waits until every one is ready. */
export async function spawnSamplers(
  section: string,
  scenarios: readonly SamplerSpec[],
  cwd: string,
): Promise<ChildSampler[]> {
  const samplers = scenarios.map((s) => new ChildSampler(section, s, cwd));
  try {
    await Promise.all(samplers.map((s) => s.ready()));
  } catch (error) {
    for (const s of samplers) s.close();
    throw error;
  }
  return samplers;
}
