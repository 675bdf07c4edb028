/**
 * The fuzz harness: builds an executor, its tools and its batches from a {@link Scenario}, runs
 * them on a {@link VirtualLoop}, watches them from the outside (the tools' own count of what
 * runs, and every event), and checks the executor's promises:
 *
 * - exactly one outcome per call: in the report, the stream and the `call:finished` events;
 * - no limit is ever exceeded: global, per tool, per batch, a sequential group or an exclusive
 *   tool one call at a time, and a rate limit's at most `max` starts in ANY window of `perMs`;
 * - no attempt starts at or after its batch deadline, nor after its batch was cancelled;
 * - a deadline's and a cancel's outcomes are delivered at once: before the loop next idles
 *   past the instant (within the virtual clock's precision), and a cancel's carry `cancelled`;
 * - attempts are bounded (the call's tool's `maxAttempts`, plus its fallback's), and counted
 *   right (`attempts` is the number of `call:started` events);
 * - outcomes keep the id and the name the call gave, also when a fallback recovered them, and
 *   carry plain error data; a recoverable failure is recovered as its tool's policy says;
 * - `onIdle()` resolves, and `stats()` is consistent: at every turn of the loop (nothing
 *   negative, running counts equal to the tools' own), once idle (nothing queued, running,
 *   retrying or held; the finished counts match the outcomes), and once the abandoned attempts
 *   settled (`detached` and `abandoned` match what the tools did).
 *
 * A run that breaks a promise throws a {@link FuzzFailure} listing what broke and the trace of
 * its last events.
 */
import {
  createExecutor,
  defineTool,
  ERROR_KINDS,
  isVolleyError,
  type ApprovalDecision,
  type Approver,
  type Batch,
  type ErrorKind,
  type ExecuteOptions,
  type Executor,
  type ExecutorOptions,
  type Outcome,
  type Policy,
  type Report,
  type RetryPolicy,
  type StandardSchemaLike,
  type ToolContext,
} from "../../src/index.js";
import { okValue, thrownValue } from "./hostile.js";
import type {
  BatchSpec,
  CallForm,
  CallSpec,
  End,
  RecoverySpec,
  RetrySpec,
  Scenario,
  Step,
  ToolSpec,
} from "./scenario.js";
import { VirtualLoop } from "./virtual-loop.js";

/** A broken promise: what broke, and the run's last events. */
export class FuzzFailure extends Error {
  override name = "FuzzFailure";
}

/** Floating-point slack of the virtual clock's arithmetic (ms). */
const EPS = 1e-6;
/** Most violations and trace lines a failure lists. */
const MAX_LISTED = 25;
const TRACE_KEPT = 80;
/** A step of the flood batches: answers at once. */
const ANSWER_AT_ONCE: Step = { how: "sync", end: { value: "number" } };
/** Kinds a call that is not well-formed may end with, by form (beside `rejected` by a limit). */
const EXPECTED_KINDS: Partial<Record<CallForm, readonly ErrorKind[]>> = {
  "unknown-tool": ["unknown_tool", "rejected", "deadline", "cancelled"],
  "no-id": ["invalid_call", "rejected"],
  unreadable: ["invalid_call", "rejected"],
  "repeated-id": ["invalid_call", "rejected"],
  "bad-override": ["invalid_call", "rejected", "deadline", "cancelled"],
  "bad-args": ["invalid_args", "rejected", "deadline", "cancelled"],
  "schema-throws": ["invalid_args", "rejected", "deadline", "cancelled"],
};

/** What the harness knows of a tool. */
interface ToolInfo {
  readonly name: string;
  readonly spec: ToolSpec;
  readonly concurrency: number;
  /** Attempts its own retry policy allows (1 without one). */
  readonly retryAttempts: number;
  /** The most attempts a call's own retry may ask for. */
  readonly attemptCap: number;
  readonly onTimeout: ResolvedRecovery | undefined;
  readonly onError: ResolvedRecovery | undefined;
  readonly rateLimit: { readonly max: number; readonly perMs: number } | undefined;
  /** `call:started` times, for the rate limit. */
  readonly starts: number[];
  running: number;
}

type ResolvedRecovery = { readonly value: unknown } | { readonly fallback: string };

interface BatchState {
  readonly index: number;
  readonly id: string;
  readonly spec: BatchSpec;
  readonly plans: CallPlan[];
  /** Most of its calls live (so running) at once. */
  window: number;
  batch: Batch | undefined;
  report: Report | undefined;
  deadlineAt: number;
  /** Deliveries of its outcomes, in order. */
  readonly deliveries: Delivery[];
  /** `call:finished` events per index. */
  readonly finishedEvents: number[];
  batchFinished: number;
  readonly streamed: Outcome[];
  streamDone: boolean;
  /** When it was first cancelled: time, epoch, and the delivery and event counts then. */
  cancelMark: { time: number; epoch: number; delivery: number; event: number } | undefined;
  controller: AbortController | undefined;
  running: number;
}

interface Delivery {
  readonly time: number;
  readonly epoch: number;
  readonly seq: number;
  readonly outcome: Outcome;
}

/** One call as the harness planned it. */
interface CallPlan {
  readonly batch: BatchState;
  readonly index: number;
  readonly form: CallForm;
  readonly spec: CallSpec | undefined;
  /** The id and name its outcome must carry. */
  readonly id: string;
  readonly name: string;
  /** The tool it names, if it may run. */
  readonly tool: ToolInfo | undefined;
  readonly steps: readonly Step[];
  readonly fallbackSteps: readonly Step[];
  readonly group: string | undefined;
  /** Most attempts it may make, on its tool and a fallback. */
  readonly bound: number;
  started: number;
  invocations: number;
  finished: boolean;
  /** The tool of the attempt it holds now (entered, not left). */
  inAttemptOn: string | undefined;
  /** The exclusive tool it surely holds while it waits out a retry's backoff (until requeued). */
  backoffOn: string | undefined;
  /** Its `args.k`, as `#inputs` writes it. */
  readonly k: string;
  /** The tools a reviewer let it run on (approve or edit). */
  readonly approvedOn: Set<string>;
  /** The approver was asked about it. */
  asked: boolean;
}

interface Attempt {
  readonly plan: CallPlan;
  readonly tool: ToolInfo;
  readonly n: number;
  held: boolean;
  aborted: boolean;
  /** The engine has heard how it settled (the first time it did). */
  observed: boolean;
  signal: AbortSignal;
}

/** What the runs so far exercised, for the command line's summary (counts, by what). */
export const tally = new Map<string, number>();

function count(what: string, n = 1): void {
  tally.set(what, (tally.get(what) ?? 0) + n);
}

/** Runs one scenario; throws a {@link FuzzFailure} if a promise is broken. */
export async function runScenario(scenario: Scenario): Promise<void> {
  await new Harness(scenario).run();
}

class Harness {
  readonly #s: Scenario;
  readonly #loop: VirtualLoop;
  readonly #tools: ToolInfo[] = [];
  readonly #toolsByName = new Map<string, ToolInfo>();
  readonly #batches: BatchState[] = [];
  readonly #plans = new Map<string, CallPlan>();
  readonly #executor: Executor;
  readonly #violations: string[] = [];
  readonly #trace: string[] = [];
  readonly #t0: number;
  #deliveries = 0;
  #events = 0;
  #runningAll = 0;
  #aborted = 0;
  #lateObserved = 0;
  #expectedAbandoned = 0;
  #abandonedEvents = 0;
  #listenerErrors = 0;
  #shared: AbortController | undefined;

  constructor(scenario: Scenario) {
    this.#s = scenario;
    this.#loop = new VirtualLoop(scenario.seed);
    this.#t0 = this.#loop.now();
    const names = scenario.tools.map((_, i) => `t${i}`);
    const policies: Record<string, Policy> = {};
    const tools = scenario.tools.map((spec, i) => {
      const name = names[i]!;
      const policy = this.#policyOf(spec, i, names);
      const info = this.#info(name, spec, policy);
      this.#tools.push(info);
      this.#toolsByName.set(name, info);
      if (spec.viaPolicies) policies[name] = policy;
      return defineTool({
        name,
        description: "a fuzzed tool",
        schema: this.#schema(spec.asyncSchemaMs),
        ...(spec.viaPolicies ? {} : policy),
        run: (_args: unknown, ctx: ToolContext) => this.#attempt(info, ctx),
      });
    });
    const options: ExecutorOptions = {
      tools,
      concurrency: scenario.concurrency,
      timeoutMs: scenario.timeoutMs,
      clock: this.#loop,
      onListenerError: () => this.#listenerErrors++,
      ...(scenario.retry === undefined ? {} : { retry: retryOf(scenario.retry) }),
      ...(scenario.maxQueued === undefined ? {} : { maxQueued: scenario.maxQueued }),
      ...(scenario.maxBatchSize === undefined
        ? {}
        : { maxBatchSize: scenario.maxBatchSize, overflow: scenario.overflow }),
      ...(Object.keys(policies).length === 0 ? {} : { policies }),
    };
    this.#executor = createExecutor(options);
    this.#listen();
    scenario.batches.forEach((spec, i) => this.#batches.push(this.#plan(spec, i)));
  }

  // ─── building ─────────────────────────────────────────────────────────────

  #policyOf(spec: ToolSpec, i: number, names: readonly string[]): Policy {
    const p: Record<string, unknown> = {};
    const set = (key: string, value: unknown): void => {
      if (value !== undefined) p[key] = value;
    };
    set("concurrency", spec.concurrency);
    set("timeoutMs", spec.timeoutMs);
    set("maxTimeoutMs", spec.maxTimeoutMs);
    set("maxAttempts", spec.maxAttempts);
    set(
      "retry",
      spec.retry === undefined ? undefined : spec.retry === false ? false : retryOf(spec.retry),
    );
    set("rateLimit", spec.rateLimit);
    if (spec.circuitBreaker !== undefined) p["circuitBreaker"] = defined(spec.circuitBreaker);
    set("exclusive", spec.exclusive);
    if (spec.idempotent !== undefined)
      p["idempotent"] = spec.idempotent === true ? true : defined(spec.idempotent);
    set("onTimeout", recoveryOf(spec.onTimeout, i, names));
    set("onError", recoveryOf(spec.onError, i, names));
    set("priority", spec.priority);
    set("expectedMs", spec.expectedMs);
    const loop = this.#loop;
    if (spec.needsApproval === "always") p["needsApproval"] = true;
    else if (spec.needsApproval === "even") {
      p["needsApproval"] = (args: { k?: unknown }) => String(args.k).length % 2 === 0;
    } else if (spec.needsApproval === "async") {
      p["needsApproval"] = () =>
        new Promise<boolean>((resolve) => loop.setTimeout(() => resolve(true), 2));
    }
    return p as Policy;
  }

  #info(name: string, spec: ToolSpec, policy: Policy): ToolInfo {
    const own = policy.retry;
    const retry = own === undefined ? this.#s.retry : own === false ? undefined : spec.retry;
    const retryAttempts = retry === undefined || retry === false ? 1 : retry.maxAttempts;
    const resolve = (r: unknown): ResolvedRecovery | undefined =>
      r === undefined
        ? undefined
        : "fallback" in (r as object)
          ? { fallback: (r as { fallback: string }).fallback }
          : { value: (r as { default: unknown }).default };
    return {
      name,
      spec,
      concurrency: spec.concurrency ?? Number.POSITIVE_INFINITY,
      retryAttempts,
      attemptCap: spec.maxAttempts ?? retryAttempts,
      onTimeout: resolve(policy.onTimeout),
      onError: resolve(policy.onError),
      rateLimit: spec.rateLimit,
      starts: [],
      running: 0,
    };
  }

  /** Accepts `{ k: string }`; throws for `k: "boom"`; checks in `asyncMs` when set. */
  #schema(asyncMs: number | undefined): StandardSchemaLike {
    const loop = this.#loop;
    return {
      "~standard": {
        version: 1,
        vendor: "fuzz",
        validate: (value: unknown) => {
          const k = (value as { k?: unknown } | null | undefined)?.k;
          if (k === "boom") throw new Error("the schema blew up");
          const result =
            typeof k === "string"
              ? { value }
              : { issues: [{ message: "k must be a string", path: ["k"] }] };
          if (asyncMs === undefined) return result;
          return new Promise((resolve) => loop.setTimeout(() => resolve(result), asyncMs));
        },
      },
    };
  }

  #plan(spec: BatchSpec, index: number): BatchState {
    const b: BatchState = {
      index,
      id: `b${index}`,
      spec,
      plans: [],
      window: Number.POSITIVE_INFINITY,
      batch: undefined,
      report: undefined,
      deadlineAt: Number.POSITIVE_INFINITY,
      deliveries: [],
      finishedEvents: [],
      batchFinished: 0,
      streamed: [],
      streamDone: false,
      cancelMark: undefined,
      controller: undefined,
      running: 0,
    };
    const n = this.#tools.length;
    /** The id of the last call whose id admission reads and remembers. */
    let lastSeen: string | undefined;
    spec.calls.forEach((c, i) => {
      const tool = this.#tools[c.tool % n]!;
      let form = c.form;
      let id = `c${i}`;
      let name = tool.name;
      if (form === "repeated-id") {
        if (lastSeen === undefined) form = "valid";
        else id = lastSeen;
      }
      if (form === "unknown-tool") name = "no_such_tool";
      if (form === "no-id") id = `#${i}`;
      if (form === "unreadable") [id, name] = [`#${i}`, ""];
      if (form !== "no-id" && form !== "unreadable" && form !== "repeated-id") lastSeen = id;
      const runs = form === "valid" || form === "tutorial-shape";
      b.plans.push(this.#callPlan(b, i, form, c, id, name, runs ? tool : undefined));
    });
    for (let j = 0; j < (spec.flood ?? 0); j++) {
      const i = b.plans.length;
      b.plans.push(this.#callPlan(b, i, "valid", undefined, `f${j}`, "t0", this.#tools[0]!));
    }
    const size = b.plans.length;
    const s = this.#s;
    let window = Number.POSITIVE_INFINITY;
    if (!spec.collect) window = Math.max(1_024, 2 * s.concurrency);
    if (spec.concurrency !== undefined) window = Math.min(window, spec.concurrency);
    if (s.maxBatchSize !== undefined && s.overflow === "split" && size > s.maxBatchSize)
      window = Math.min(window, s.maxBatchSize);
    b.window = window;
    return b;
  }

  #callPlan(
    batch: BatchState,
    index: number,
    form: CallForm,
    spec: CallSpec | undefined,
    id: string,
    name: string,
    tool: ToolInfo | undefined,
  ): CallPlan {
    let bound = 0;
    if (tool !== undefined) {
      const own = spec?.retry;
      const named =
        own === undefined
          ? tool.retryAttempts
          : own === false
            ? 1
            : Math.max(1, Math.min(own.maxAttempts, tool.attemptCap));
      let fallback = 0;
      for (const r of [tool.onTimeout, tool.onError]) {
        if (r !== undefined && "fallback" in r)
          fallback = Math.max(fallback, this.#toolsByName.get(r.fallback)!.retryAttempts);
      }
      bound = named + fallback;
    }
    const idempotent = tool !== undefined && tool.spec.idempotent !== undefined;
    const plan: CallPlan = {
      batch,
      index,
      form,
      spec,
      id,
      name,
      tool,
      k: idempotent && spec !== undefined ? `d${spec.key}` : `${batch.id}.${index}`,
      approvedOn: new Set(),
      asked: false,
      steps: spec?.steps ?? [ANSWER_AT_ONCE],
      fallbackSteps: spec?.fallback ?? [ANSWER_AT_ONCE],
      group: tool === undefined ? undefined : spec?.group,
      bound,
      started: 0,
      invocations: 0,
      finished: false,
      inAttemptOn: undefined,
      backoffOn: undefined,
    };
    if (tool !== undefined) this.#plans.set(`${batch.id}/${id}`, plan);
    return plan;
  }

  /** The call objects of a batch, made afresh (a Proxy cannot be reused across runs). */
  #inputs(b: BatchState): unknown[] {
    return b.plans.map((plan) => {
      const c = plan.spec;
      const tool = plan.tool ?? this.#tools[(c?.tool ?? 0) % this.#tools.length]!;
      const idempotent = tool.spec.idempotent !== undefined;
      const k = idempotent && c !== undefined ? `d${c.key}` : `${b.id}.${plan.index}`;
      const call: Record<string, unknown> = { id: plan.id, name: plan.name, args: { k } };
      if (c === undefined) return call;
      if (c.timeoutMs !== undefined) call["timeoutMs"] = c.timeoutMs;
      if (c.retry !== undefined) call["retry"] = c.retry === false ? false : retryOf(c.retry);
      if (c.priority !== undefined) call["priority"] = c.priority;
      if (c.group !== undefined) call["group"] = c.group;
      switch (plan.form) {
        case "tutorial-shape":
          delete call["name"];
          call["tool_name"] = plan.name;
          break;
        case "no-id":
          delete call["id"];
          break;
        case "bad-args":
          call["args"] = { k: 5 };
          break;
        case "schema-throws":
          call["args"] = { k: "boom" };
          break;
        case "bad-override":
          call["timeoutMs"] = -1;
          break;
        case "unreadable":
          return new Proxy(call, {
            get() {
              throw new Error("an unreadable call");
            },
          });
        default:
      }
      return call;
    });
  }

  /**
   * A batch's approver: it checks that it is asked about calls that need approval, once every
   * other call of the batch was delivered, and answers after `afterMs` on the virtual clock.
   */
  #approver(b: BatchState, { afterMs, answer }: NonNullable<BatchSpec["approve"]>): Approver {
    return (requests) => {
      count("approval round");
      this.#trace.push(`${this.#t()} approver of ${b.id} asked about ${requests.length} calls`);
      // Asked once nothing else of the batch can go on: every other call is delivered or held
      // (behind a call that waits here). With no window, every call has been read by then.
      const s = this.#s;
      const windowed =
        b.spec.concurrency !== undefined ||
        !b.spec.collect ||
        (s.overflow === "split" && s.maxBatchSize !== undefined);
      const undelivered = b.plans.length - b.deliveries.length;
      const held = this.#executor.stats().held;
      if (!windowed && held < undelivered)
        this.#violate(
          `${b.id}: the approver was asked about ${requests.length} calls with ${undelivered} of ${b.plans.length} undelivered, but only ${held} held`,
        );
      const plans = requests.map((r) => this.#plans.get(`${b.id}/${r.callId}`));
      requests.forEach((r, i) => {
        const plan = plans[i];
        const tool = this.#toolsByName.get(r.name);
        if (plan === undefined || tool === undefined) {
          this.#violate(`${b.id}: the approver was asked about ${r.callId}, no call of it`);
          return;
        }
        plan.asked = true;
        if (plan.finished) this.#violate(`${b.id}/${r.callId}: asked about after its outcome`);
        if (!needsApprovalOn(tool, plan))
          this.#violate(`${b.id}/${r.callId}: asked about, but ${r.name} needs no approval for it`);
      });
      const decide = (i: number): ApprovalDecision => {
        const type = answer === "mixed" ? (["approve", "edit", "reject"] as const)[i % 3]! : answer;
        const r = requests[i]!;
        if (type === "approve" || type === "edit") plans[i]?.approvedOn.add(r.name);
        if (type === "approve") return { type };
        if (type === "reject") return { type, message: "no" };
        return { type: "edit", editedAction: { name: r.name, args: { k: plans[i]?.k ?? "" } } };
      };
      return new Promise((resolve, reject) => {
        this.#loop.setTimeout(() => {
          if (answer === "throws") reject(new Error("the reviewer is away"));
          else if (answer === "malformed") resolve([]);
          else resolve(requests.map((_, i) => decide(i)));
        }, afterMs);
      });
    };
  }

  // ─── the tools' side ──────────────────────────────────────────────────────

  /** One attempt of `tool` for the call `ctx` names. */
  #attempt(tool: ToolInfo, ctx: ToolContext): unknown {
    const key = `${ctx.batchId}/${ctx.callId}`;
    const plan = this.#plans.get(key);
    if (plan === undefined) {
      this.#violate(`tool ${tool.name} ran for a call the harness never made: ${key}`);
      return undefined;
    }
    plan.invocations++;
    if (plan.finished)
      this.#violate(`${key}: ${tool.name} was invoked after the call's outcome was delivered`);
    const signal = ctx.signal;
    const a: Attempt = {
      plan,
      tool,
      n: ctx.attempt,
      held: false,
      aborted: signal.aborted,
      observed: false,
      signal,
    };
    if (a.aborted) {
      // Detached before it began: it holds no slot.
      this.#aborted++;
      this.#trace.push(`${this.#t()} ghost attempt ${key} #${a.n} on ${tool.name}`);
      count("attempt begun aborted");
    } else {
      this.#enter(a);
      signal.addEventListener(
        "abort",
        () => {
          a.aborted = true;
          this.#aborted++;
          this.#leave(a);
        },
        { once: true },
      );
    }
    const steps = tool === plan.tool ? plan.steps : plan.fallbackSteps;
    let step = steps[Math.min(a.n, steps.length) - 1]!;
    // A hang that nothing would end (no timeout, no deadline, no cancel) answers late instead.
    if (
      step.how === "hang" &&
      ctx.deadline === Number.POSITIVE_INFINITY &&
      plan.batch.spec.cancel === undefined
    )
      step = { how: "async", ms: 500, honour: step.honour, end: { value: "number" } };
    count(`attempt ${step.how}${step.how === "thenable" ? ` ${step.kind}` : ""}`);
    if (step.block !== undefined) {
      count(step.block.spin ? "busy wait" : "loop block");
      if (step.block.spin) this.#loop.spin(step.block.ms, 0.37);
      else this.#loop.block(step.block.ms);
    }
    return this.#perform(a, step);
  }

  #perform(a: Attempt, step: Step): unknown {
    const loop = this.#loop;
    const signal = a.signal;
    switch (step.how) {
      case "sync": {
        const [ok, v] = make(step.end);
        this.#observe(a, ok, v);
        if (ok) return v;
        throw v;
      }
      case "hang":
      case "async": {
        let settle!: (ok: boolean, v: unknown) => void;
        const p = new Promise<unknown>((resolve, reject) => {
          settle = (ok, v) => (ok ? resolve(v) : reject(v));
        });
        // The engine's reactions, seen as the engine sees them: `observe` runs in its callback.
        const then = Promise.prototype.then;
        Object.defineProperty(p, "then", {
          value: (onOk: (v: unknown) => void, onErr: (e: unknown) => void) =>
            then.call(
              p,
              (v: unknown) => {
                this.#observe(a, true, v);
                onOk(v);
              },
              (e: unknown) => {
                this.#observe(a, false, e);
                onErr(e);
              },
            ),
        });
        let timer: unknown;
        if (step.how === "async") timer = loop.setTimeout(() => settle(...make(step.end)), step.ms);
        if (step.honour) {
          const honour = (): void => {
            loop.clearTimeout(timer);
            settle(false, signal.reason);
          };
          if (signal.aborted) honour();
          else signal.addEventListener("abort", honour, { once: true });
        }
        return p;
      }
      case "thenable":
        return this.#thenable(a, step);
    }
  }

  #thenable(a: Attempt, step: Extract<Step, { how: "thenable" }>): unknown {
    const loop = this.#loop;
    const signal = a.signal;
    const [ok, v] = make(step.end);
    const fail = (): unknown => (ok ? thrownValue("error") : v);
    switch (step.kind) {
      case "throwing-then":
        return {
          then: () => {
            const e = fail();
            this.#observe(a, false, e);
            throw e;
          },
        };
      case "then-getter":
        return Object.defineProperty({}, "then", {
          get: () => {
            const e = fail();
            this.#observe(a, false, e);
            throw e;
          },
        });
      default:
    }
    return {
      then: (onOk: (v: unknown) => void, onErr: (e: unknown) => void) => {
        const yes = (value: unknown): void => {
          this.#observe(a, true, value);
          onOk(value);
        };
        const no = (error: unknown): void => {
          this.#observe(a, false, error);
          onErr(error);
        };
        const once = (): void => (ok ? yes(v) : no(v));
        const other = (): void => (ok ? no(thrownValue("error")) : yes(42));
        switch (step.kind) {
          case "sync-once":
            once();
            return;
          case "sync-both":
            once();
            other();
            return;
          case "once":
          case "twice": {
            const timer = loop.setTimeout(() => {
              once();
              if (step.kind === "twice") {
                other();
                loop.setTimeout(once, 5);
              }
            }, step.ms);
            if (step.honour) {
              const honour = (): void => {
                loop.clearTimeout(timer);
                no(signal.reason);
              };
              if (signal.aborted) honour();
              else signal.addEventListener("abort", honour, { once: true });
            }
          }
        }
      },
    };
  }

  /** The engine hears how the attempt settled (only the first time counts, as for the engine). */
  #observe(a: Attempt, ok: boolean, value: unknown): void {
    if (a.observed) return;
    a.observed = true;
    if (!a.aborted) {
      this.#leave(a);
      return;
    }
    this.#lateObserved++;
    if (ok || !honouredAbort(value, a.signal.reason)) this.#expectedAbandoned++;
  }

  #enter(a: Attempt): void {
    a.held = true;
    const { plan, tool } = a;
    const b = plan.batch;
    const key = `${b.id}/${plan.id}`;
    tool.running++;
    b.running++;
    this.#runningAll++;
    if (this.#runningAll > this.#s.concurrency)
      this.#violate(`global limit ${this.#s.concurrency} exceeded: ${this.#runningAll} running`);
    if (tool.running > tool.concurrency)
      this.#violate(
        `tool ${tool.name}'s limit ${tool.concurrency} exceeded: ${tool.running} running`,
      );
    if (b.running > b.window)
      this.#violate(
        `batch ${b.id}'s window ${b.window} exceeded: ${b.running} of its calls running`,
      );
    if (tool.spec.exclusive) {
      for (const other of this.#plans.values()) {
        if (other === plan) continue;
        if (other.inAttemptOn === tool.name || other.backoffOn === tool.name)
          this.#violate(
            `exclusive tool ${tool.name}: ${key} started while ${other.batch.id}/${other.id} held it (${other.inAttemptOn === tool.name ? "running" : "waiting to retry"})`,
          );
      }
    }
    if (plan.group !== undefined) {
      for (const other of this.#plans.values()) {
        if (other !== plan && other.group === plan.group && other.started > 0 && !other.finished)
          this.#violate(
            `group ${plan.group}: ${key} started while ${other.batch.id}/${other.id} had started and not finished`,
          );
      }
    }
    plan.inAttemptOn = tool.name;
  }

  #leave(a: Attempt): void {
    if (!a.held) return;
    a.held = false;
    a.tool.running--;
    a.plan.batch.running--;
    this.#runningAll--;
    if (a.plan.inAttemptOn === a.tool.name) a.plan.inAttemptOn = undefined;
  }

  // ─── events ───────────────────────────────────────────────────────────────

  #listen(): void {
    const ex = this.#executor;
    const planOf = (batchId: string, callId: string): CallPlan | undefined =>
      this.#plans.get(`${batchId}/${callId}`);
    const batchOf = (batchId: string): BatchState | undefined =>
      this.#batches[Number(batchId.slice(1))];
    ex.on("batch:started", (e) => {
      const b = batchOf(e.batchId);
      if (b !== undefined) b.deadlineAt = e.deadline;
    });
    ex.on("call:queued", (e) => {
      this.#events++;
      this.#trace.push(`${this.#t()} queued ${e.batchId}/${e.callId} ${e.tool}`);
      // Back in the queue after a backoff: from here its start may be refused (an open circuit)
      // and the call move to a fallback, leaving the exclusive tool, with no event to say so.
      const plan = planOf(e.batchId, e.callId);
      if (plan !== undefined) plan.backoffOn = undefined;
    });
    ex.on("call:started", (e) => {
      this.#events++;
      this.#trace.push(`${this.#t()} started ${e.batchId}/${e.callId} ${e.tool} #${e.attempt}`);
      const plan = planOf(e.batchId, e.callId);
      if (plan === undefined) {
        this.#violate(`call:started for a call the harness never made: ${e.batchId}/${e.callId}`);
        return;
      }
      const b = plan.batch;
      if (plan.finished) this.#violate(`${e.batchId}/${e.callId} started after its outcome`);
      if (!(e.startedAt < b.deadlineAt))
        this.#violate(
          `${e.batchId}/${e.callId} started at ${this.#rel(e.startedAt)}, not before its batch deadline ${this.#rel(b.deadlineAt)}`,
        );
      if (b.cancelMark !== undefined)
        this.#violate(
          `${e.batchId}/${e.callId} started at ${this.#rel(e.startedAt)}, after its batch was cancelled at ${this.#rel(b.cancelMark.time)}`,
        );
      const running = this.#toolsByName.get(e.tool);
      if (running !== undefined && needsApprovalOn(running, plan) && !plan.approvedOn.has(e.tool))
        this.#violate(
          `${e.batchId}/${e.callId} started on ${e.tool}, which needs approval, with no reviewer's approval`,
        );
      plan.started++;
      plan.backoffOn = undefined;
      this.#toolsByName.get(e.tool)?.starts.push(e.startedAt);
    });
    ex.on("call:retry", (e) => {
      this.#events++;
      this.#trace.push(
        `${this.#t()} retry ${e.batchId}/${e.callId} ${e.tool} after #${e.attempt} in ${e.delayMs} ms (${e.error.kind})`,
      );
      const plan = planOf(e.batchId, e.callId);
      if (plan !== undefined) plan.backoffOn = e.tool;
      count("retry");
    });
    ex.on("circuit:state", (e) => count(`circuit ${e.state}`));
    ex.on("call:abandoned", (e) => {
      this.#abandonedEvents++;
      count("abandoned attempt");
      this.#trace.push(
        `${this.#t()} abandoned ${e.batchId}/${e.callId} #${e.attempt} (${e.reason})`,
      );
    });
    ex.on("call:finished", (e) => {
      this.#events++;
      const o = e.outcome;
      this.#trace.push(
        `${this.#t()} finished ${e.batchId}/${e.callId} [${e.index}] ${o.status === "ok" ? `ok${o.recoveredBy ? ` (${o.recoveredBy})` : ""}` : o.error.kind}${o.deduped ? " deduped" : ""} attempts ${o.attempts}`,
      );
      const b = batchOf(e.batchId);
      if (b === undefined) {
        this.#violate(`call:finished for a batch the harness never ran: ${e.batchId}`);
        return;
      }
      if (e.tool !== o.name || e.callId !== o.id || e.index !== o.index)
        this.#violate(`call:finished of ${e.batchId}[${e.index}] disagrees with its outcome`);
      b.finishedEvents[e.index] = (b.finishedEvents[e.index] ?? 0) + 1;
      count(`outcome ${o.status === "ok" ? "ok" : o.error.kind}`);
      if (o.status === "ok" && o.recoveredBy !== undefined) count(`recovered by ${o.recoveredBy}`);
      if (o.status === "error" && o.error.data?.["fallback"] !== undefined)
        count("fallback failed too");
      if (o.deduped === true) count("deduped");
      b.deliveries.push({
        time: this.#loop.now(),
        epoch: this.#loop.epoch,
        seq: this.#deliveries++,
        outcome: o,
      });
      const plan = b.plans[e.index];
      if (
        plan !== undefined &&
        plan.tool !== undefined &&
        this.#plans.get(`${b.id}/${plan.id}`) === plan
      ) {
        plan.finished = true;
        plan.backoffOn = undefined;
      }
    });
    ex.on("batch:finished", (e) => {
      const b = batchOf(e.batchId);
      if (b !== undefined) b.batchFinished++;
    });
    // The misbehaving listeners come after the harness's own, which see every event first.
    const spec = this.#s.listeners;
    if (spec.throws) {
      const boom = (): never => {
        throw new Error("a listener that throws");
      };
      ex.on("call:started", boom);
      ex.on("call:finished", boom);
      ex.on("call:queued", boom);
    }
    if (spec.block !== undefined) {
      const { event, ms, every } = spec.block;
      let seen = 0;
      ex.on(event, () => {
        if (++seen % every === 0) this.#loop.block(ms);
      });
    }
    if (spec.cancel !== undefined) {
      const { event, nth, batch } = spec.cancel;
      let seen = 0;
      ex.on(event, () => {
        if (++seen !== nth) return;
        const b = this.#batches[batch % this.#batches.length]!;
        if (b.batch === undefined || b.batch.done) return;
        this.#trace.push(`${this.#t()} a ${event} listener cancels ${b.id}`);
        this.#markCancel(b);
        b.batch.cancel("a listener");
      });
    }
  }

  // ─── driving ──────────────────────────────────────────────────────────────

  #start(b: BatchState): void {
    const spec = b.spec;
    const options: Record<string, unknown> = { batchId: b.id, collect: spec.collect };
    if (spec.deadlineMs !== undefined) options["deadlineMs"] = spec.deadlineMs;
    if (spec.concurrency !== undefined) options["concurrency"] = spec.concurrency;
    if (spec.priority !== undefined) options["priority"] = spec.priority;
    if (spec.fair !== undefined) {
      options["tenant"] = spec.fair.tenant;
      options["weight"] = spec.fair.weight;
      options["class"] = spec.fair.class;
    }
    const cancel = spec.cancel;
    if (cancel?.via === "signal") {
      b.controller = new AbortController();
      options["signal"] = b.controller.signal;
    } else if (cancel?.via === "shared-signal") {
      this.#shared ??= new AbortController();
      options["signal"] = this.#shared.signal;
      // Aborted already: the batch is cancelled as it starts.
      if (this.#shared.signal.aborted) this.#markCancel(b);
    }
    if (spec.approve !== undefined) options["approve"] = this.#approver(b, spec.approve);
    this.#trace.push(`${this.#t()} execute ${b.id} (${b.plans.length} calls)`);
    let batch: Batch;
    try {
      batch = this.#executor.execute(this.#inputs(b), options as ExecuteOptions);
    } catch (error) {
      this.#violate(`execute(${b.id}) threw: ${String(error)}`);
      return;
    }
    b.batch = batch;
    batch.then(
      (report) => (b.report = report),
      (error: unknown) => this.#violate(`batch ${b.id}'s report rejected: ${String(error)}`),
    );
    if (spec.iterate) {
      void (async () => {
        for await (const o of batch) b.streamed.push(o);
        b.streamDone = true;
      })().catch((error: unknown) =>
        this.#violate(`batch ${b.id}'s stream threw: ${String(error)}`),
      );
    }
    if (cancel !== undefined) {
      this.#loop.setTimeout(() => {
        if (cancel.via === "shared-signal") {
          for (const other of this.#batches) {
            if (other.spec.cancel?.via === "shared-signal" && other.batch !== undefined)
              this.#markCancel(other);
          }
          this.#trace.push(`${this.#t()} the shared signal aborts (${b.id}'s cancel point)`);
          this.#shared!.abort("the shared signal");
        } else {
          this.#markCancel(b);
          this.#trace.push(`${this.#t()} cancel ${b.id} by ${cancel.via}`);
          if (cancel.via === "signal") b.controller!.abort("its signal");
          else batch.cancel("its cancel point");
        }
      }, cancel.at);
    }
  }

  #markCancel(b: BatchState): void {
    if (b.cancelMark !== undefined || b.batch?.done === true) return;
    b.cancelMark = {
      time: this.#loop.now(),
      epoch: this.#loop.epoch,
      delivery: this.#deliveries,
      event: this.#events,
    };
  }

  async run(): Promise<void> {
    const loop = this.#loop;
    count("run");
    count("batch", this.#batches.length);
    const restore = loop.install();
    const unhandled = (reason: unknown): void =>
      this.#violate(`an unhandled rejection: ${safeText(reason)}`);
    process.on("unhandledRejection", unhandled);
    try {
      for (const b of this.#batches) {
        if (b.spec.startAt === 0) this.#start(b);
        else loop.setTimeout(() => this.#start(b), b.spec.startAt);
      }
      // An onIdle() made while the batches run resolves only when the executor is idle.
      let early = false;
      void this.#executor.onIdle().then(() => {
        early = true;
        this.#checkIdleStats("when an onIdle() made during the run resolved", false);
      });
      const allDone = (): boolean =>
        this.#batches.every((b) => b.report !== undefined && (!b.spec.iterate || b.streamDone));
      const end = await loop.run(() => allDone() && early, {
        maxTime: this.#t0 + 10_000_000,
        maxSteps: 300_000,
        onTurn: () => this.#checkTurn(),
      });
      if (end !== "done") {
        this.#violate(`the run did not finish (${end}): ${this.#unfinished()}`);
        return;
      }
      let idle = false;
      void this.#executor.onIdle().then(() => (idle = true));
      if ((await loop.run(() => idle, { maxSteps: 1_000 })) !== "done")
        this.#violate("onIdle() did not resolve once every batch was done");
      this.#checkBatches();
      this.#checkIdleStats("once every batch was done", true);
      let closed = false;
      void this.#executor.close().then(() => (closed = true));
      if ((await loop.run(() => closed, { maxSteps: 1_000 })) !== "done")
        this.#violate("close() did not resolve once idle");
      // Let the abandoned attempts that will settle do so.
      await loop.run(() => loop.pendingTimers === 0, { maxSteps: 100_000 });
      this.#checkDetached();
      count("pacer yield", loop.immediatesRun);
      count("epoch (idle jump)", loop.epoch);
      for (const fault of loop.faults) this.#violate(fault);
      for (const ms of loop.oddDelays) this.#violate(`a timer was set with a delay of ${ms} ms`);
    } finally {
      process.off("unhandledRejection", unhandled);
      restore();
      if (this.#violations.length > 0) this.#fail();
    }
  }

  // ─── checks ───────────────────────────────────────────────────────────────

  /** After every turn of the loop: the live counters. */
  #checkTurn(): void {
    const st = this.#executor.stats();
    negatives("stats()", st, (where) => this.#violate(`${where} is negative or NaN`));
    if (st.running > this.#s.concurrency)
      this.#violate(`stats().running ${st.running} > concurrency ${this.#s.concurrency}`);
    if (st.running !== this.#runningAll)
      this.#violate(
        `stats().running is ${st.running} but the tools hold ${this.#runningAll} slots`,
      );
    for (const tool of this.#tools) {
      const t = st.tools[tool.name]!;
      if (t.running !== tool.running)
        this.#violate(
          `stats().tools.${tool.name}.running is ${t.running} but the tool runs ${tool.running}`,
        );
      if (t.tokens !== undefined && t.tokens > tool.rateLimit!.max)
        this.#violate(`stats().tools.${tool.name}.tokens ${t.tokens} > max ${tool.rateLimit!.max}`);
    }
  }

  #checkIdleStats(when: string, final: boolean): void {
    const st = this.#executor.stats();
    negatives("stats()", st, (where) => this.#violate(`${where} is negative or NaN ${when}`));
    for (const key of ["queued", "running", "retrying", "held", "batches"] as const) {
      if (st[key] !== 0) this.#violate(`stats().${key} is ${st[key]} ${when}`);
    }
    for (const tool of this.#tools) {
      const t = st.tools[tool.name]!;
      if (t.queued !== 0 || t.running !== 0)
        this.#violate(
          `stats().tools.${tool.name} has ${t.queued} queued, ${t.running} running ${when}`,
        );
      if (t.ok + t.failed > t.finished)
        this.#violate(
          `stats().tools.${tool.name}: ok ${t.ok} + failed ${t.failed} > finished ${t.finished}`,
        );
      if (t.ok + t.failed !== t.finished)
        this.#violate(
          `stats().tools.${tool.name}: ok ${t.ok} + failed ${t.failed} ≠ finished ${t.finished}`,
        );
      if (t.recovered > t.failed)
        this.#violate(`stats().tools.${tool.name}: recovered ${t.recovered} > failed ${t.failed}`);
    }
    if (!final) return;
    const all = this.#batches.flatMap((b) => b.deliveries.map((d) => d.outcome));
    const ok = all.filter((o) => o.status === "ok");
    if (st.finished !== all.length)
      this.#violate(
        `stats().finished is ${st.finished}, but ${all.length} outcomes were delivered`,
      );
    if (st.ok !== ok.length)
      this.#violate(`stats().ok is ${st.ok}, but ${ok.length} outcomes are ok`);
    if (st.failed !== all.length - ok.length)
      this.#violate(
        `stats().failed is ${st.failed}, but ${all.length - ok.length} outcomes are errors`,
      );
    const sum = (f: (t: (typeof st.tools)[string]) => number): number =>
      Object.values(st.tools).reduce((n, t) => n + f(t), 0);
    const defaults = ok.filter((o) => o.recoveredBy === "default" && !o.deduped).length;
    if (sum((t) => t.ok) !== ok.length - defaults)
      this.#violate(
        `the tools count ${sum((t) => t.ok)} ok, but ${ok.length - defaults} outcomes are ok and not recovered by a default`,
      );
    const fallbacks = all.filter(
      (o) =>
        !o.deduped &&
        ((o.status === "ok" && o.recoveredBy === "fallback") ||
          (o.status === "error" && typeof o.error.data?.["fallback"] === "string")),
    ).length;
    if (sum((t) => t.recovered) < defaults + fallbacks)
      this.#violate(
        `the tools count ${sum((t) => t.recovered)} recovered, but ${defaults + fallbacks} outcomes were recovered or went to a fallback`,
      );
  }

  #checkDetached(): void {
    const st = this.#executor.stats();
    const detached = this.#aborted - this.#lateObserved;
    if (st.detached !== detached)
      this.#violate(
        `stats().detached is ${st.detached}, but ${this.#aborted} attempts were aborted and ${this.#lateObserved} of them settled since`,
      );
    if (st.abandoned !== this.#abandonedEvents)
      this.#violate(
        `stats().abandoned is ${st.abandoned}, but ${this.#abandonedEvents} call:abandoned events came`,
      );
    if (this.#abandonedEvents !== this.#expectedAbandoned)
      this.#violate(
        `${this.#abandonedEvents} call:abandoned events, but ${this.#expectedAbandoned} aborted attempts settled without honouring their abort`,
      );
  }

  #checkBatches(): void {
    for (const b of this.#batches) {
      const batch = b.batch;
      const report = b.report;
      if (batch === undefined || report === undefined) continue;
      const size = b.plans.length;
      const where = `batch ${b.id}`;
      if (!batch.done) this.#violate(`${where}: done is false after its report`);
      if (b.batchFinished !== 1)
        this.#violate(`${where}: ${b.batchFinished} batch:finished events`);
      for (let i = 0; i < size; i++) {
        const n = b.finishedEvents[i] ?? 0;
        if (n !== 1) this.#violate(`${where}: call ${i} has ${n} call:finished events`);
      }
      if (b.deliveries.length !== size)
        this.#violate(`${where}: ${b.deliveries.length} outcomes delivered for ${size} calls`);
      const counts = report.counts;
      const byKind = Object.values(counts.byKind).reduce((n, k) => n + (k ?? 0), 0);
      if (counts.total !== size || counts.ok + counts.error !== size || byKind !== counts.error)
        this.#violate(`${where}: report counts ${JSON.stringify(counts)} for ${size} calls`);
      if (b.spec.collect) {
        if (report.outcomes.length !== size)
          this.#violate(
            `${where}: report has ${report.outcomes.length} outcomes for ${size} calls`,
          );
        const byIndex = new Map(b.deliveries.map((d) => [d.outcome.index, d.outcome]));
        report.outcomes.forEach((o, i) => {
          if (o !== byIndex.get(i))
            this.#violate(
              `${where}: report.outcomes[${i}] is not the outcome delivered for call ${i}`,
            );
        });
        if (
          Object.getPrototypeOf(report.results) !== null ||
          Object.getPrototypeOf(report.errors) !== null
        )
          this.#violate(`${where}: results and errors are not null-prototype objects`);
      } else if (report.outcomes.length !== 0) {
        this.#violate(
          `${where}: collect: false, yet the report holds ${report.outcomes.length} outcomes`,
        );
      }
      if (b.spec.iterate) {
        const same =
          b.streamed.length === b.deliveries.length &&
          b.streamed.every((o, i) => o === b.deliveries[i]!.outcome);
        if (!same)
          this.#violate(
            `${where}: the stream yielded [${b.streamed.map((o) => o.index).join(",")}], the outcomes came as [${b.deliveries.map((d) => d.outcome.index).join(",")}]`,
          );
      }
      for (const d of b.deliveries) this.#checkOutcome(b, d.outcome);
      this.#checkEndsOnTime(b);
    }
    for (const tool of this.#tools) this.#checkRateLimit(tool);
  }

  #checkOutcome(b: BatchState, o: Outcome): void {
    const plan = b.plans[o.index];
    const where = `${b.id}[${o.index}]`;
    if (plan === undefined) {
      this.#violate(`${where}: an outcome for no call`);
      return;
    }
    if (o.id !== plan.id)
      this.#violate(`${where}: outcome id "${o.id}", the call gave "${plan.id}"`);
    if (o.name !== plan.name)
      this.#violate(`${where}: outcome name "${o.name}", the call gave "${plan.name}"`);
    if (o.status === "error") {
      const e = o.error;
      if (!(ERROR_KINDS as readonly unknown[]).includes(e.kind))
        this.#violate(`${where}: error kind ${String(e.kind)} is not an ErrorKind`);
      if (typeof e.message !== "string" || e.message.length === 0)
        this.#violate(`${where}: error message ${safeText(e.message)}`);
      try {
        structuredClone(e);
      } catch (error) {
        this.#violate(`${where}: the error is not plain data (${safeText(error)})`);
      }
    } else if ((o as { status: unknown }).status !== "ok") {
      this.#violate(`${where}: status ${safeText((o as { status: unknown }).status)}`);
    }
    if (!(o.durationMs >= 0)) this.#violate(`${where}: durationMs ${o.durationMs}`);
    const expected = EXPECTED_KINDS[plan.form];
    if (expected !== undefined) {
      if (o.status !== "error" || !expected.includes(o.error.kind))
        this.#violate(
          `${where}: a "${plan.form}" call ended ${o.status === "ok" ? "ok" : o.error.kind}, expected one of ${expected.join(", ")}`,
        );
      if (o.attempts !== 0 || o.startedAt !== null)
        this.#violate(`${where}: a "${plan.form}" call made ${o.attempts} attempts`);
      return;
    }
    const tool = plan.tool!;
    this.#checkApproval(b, plan, o, where);
    if (
      o.status === "error" &&
      ["invalid_call", "unknown_tool", "invalid_args"].includes(o.error.kind)
    )
      this.#violate(`${where}: a well-formed call ended ${o.error.kind}: ${o.error.message}`);
    if (o.deduped === true) {
      if (tool.spec.idempotent === undefined)
        this.#violate(`${where}: deduped, but ${tool.name} is not idempotent`);
    } else {
      if (o.attempts !== plan.started)
        this.#violate(`${where}: ${o.attempts} attempts, but ${plan.started} call:started events`);
      // A call:started listener that cancels the batch ends the call before its tool runs.
      const unrun = this.#s.listeners.cancel?.event === "call:started" ? 1 : 0;
      if (plan.invocations > plan.started || plan.invocations < plan.started - unrun)
        this.#violate(
          `${where}: the tools ran ${plan.invocations} times for ${plan.started} starts`,
        );
      if (o.attempts > plan.bound)
        this.#violate(`${where}: ${o.attempts} attempts, more than its bound of ${plan.bound}`);
      if ((o.attempts === 0) !== (o.startedAt === null))
        this.#violate(`${where}: startedAt ${o.startedAt} with ${o.attempts} attempts`);
    }
    // Recovery, as the policy of the tool the call named says.
    const recoveryFor = (kind: ErrorKind, data: Readonly<Record<string, unknown>> | undefined) =>
      kind === "timeout"
        ? tool.onTimeout
        : kind === "tool_error" ||
            kind === "crashed" ||
            (kind === "rejected" && data?.["circuit"] === true)
          ? tool.onError
          : undefined;
    if (o.status === "ok" && o.recoveredBy !== undefined) {
      const from = o.recoveredFrom;
      const r = from === undefined ? undefined : recoveryFor(from.kind, from.data);
      if (r === undefined)
        this.#violate(
          `${where}: recovered by ${o.recoveredBy} from ${from?.kind}, which ${tool.name} does not recover`,
        );
      else if (o.recoveredBy === "default" && (!("value" in r) || !Object.is(o.value, r.value)))
        this.#violate(`${where}: recovered by a default that is not ${tool.name}'s`);
      else if (o.recoveredBy === "fallback" && !("fallback" in r))
        this.#violate(
          `${where}: recovered by a fallback, but ${tool.name}'s recovery is a default`,
        );
    }
    if (o.status === "error" && o.deduped !== true) {
      const r = recoveryFor(o.error.kind, o.error.data);
      if (r !== undefined && !("fallback" in r && o.error.data?.["fallback"] === r.fallback))
        this.#violate(
          `${where}: ended ${o.error.kind} unrecovered, though ${tool.name} recovers it (${"value" in r ? "a default" : `fallback ${r.fallback}`}): ${o.error.message}`,
        );
    }
  }

  /** A call that needs approval ends as its reviewer decided, and never ok without one. */
  #checkApproval(b: BatchState, plan: CallPlan, o: Outcome, where: string): void {
    const tool = plan.tool!;
    const needs = needsApprovalOn(tool, plan);
    if (needs) count("needed approval");
    const answer = b.spec.approve?.answer;
    if (o.approval !== undefined) {
      count(`approval ${o.approval}`);
      if (!plan.asked) this.#violate(`${where}: approval "${o.approval}", but nobody was asked`);
      // A rejected fallback ends with the call's first error, the rejection added.
      const rejection =
        o.status === "error" &&
        (o.error.kind === "rejected" ||
          (o.error.data?.["fallbackError"] as { kind?: unknown } | undefined)?.kind === "rejected");
      if (o.approval === "rejected" && !rejection)
        this.#violate(
          `${where}: rejected by the reviewer, but ended ${o.status === "ok" ? "ok" : o.error.kind}`,
        );
    }
    if (!needs || o.deduped === true || o.status !== "ok") return;
    // It ran on the tool it named (a fallback's own approval is asked apart).
    if (o.recoveredBy === undefined && !plan.approvedOn.has(tool.name))
      this.#violate(
        `${where}: ended ok on ${tool.name}, which needs approval for it, with no reviewer's approval (approver: ${answer ?? "none"})`,
      );
  }

  /** A deadline's and a cancel's outcomes come at once, and a cancel's say `cancelled`. */
  #checkEndsOnTime(b: BatchState): void {
    const deadline = b.deadlineAt;
    if (Number.isFinite(deadline)) {
      const epoch = this.#loop.epochAt(deadline + EPS);
      for (const d of b.deliveries) {
        if (d.epoch > epoch) {
          this.#violate(
            `${b.id}[${d.outcome.index}] delivered at ${this.#rel(d.time)}, after the loop idled past its batch deadline ${this.#rel(deadline)}`,
          );
          break;
        }
      }
    }
    const mark = b.cancelMark;
    if (mark === undefined) return;
    for (const d of b.deliveries) {
      if (d.seq < mark.delivery) continue;
      const o = d.outcome;
      const kind = o.status === "error" ? o.error.kind : "ok";
      const byDeadline = kind === "deadline" && mark.time >= deadline - EPS;
      // Admission refuses a malformed call, or one past maxBatchSize, before it looks at the
      // batch's end.
      const s = this.#s;
      const tooMany =
        kind === "rejected" &&
        s.maxBatchSize !== undefined &&
        s.overflow === "reject" &&
        o.index >= s.maxBatchSize;
      const form = EXPECTED_KINDS[b.plans[o.index]!.form];
      const malformed =
        form !== undefined &&
        (kind === "invalid_call" || kind === "unknown_tool" || kind === "invalid_args") &&
        form.includes(kind);
      if (kind !== "cancelled" && !byDeadline && !tooMany && !malformed)
        this.#violate(
          `${b.id}[${o.index}] ended ${kind} after its batch was cancelled at ${this.#rel(mark.time)}`,
        );
      if (d.epoch !== mark.epoch) {
        this.#violate(
          `${b.id}[${o.index}] delivered at ${this.#rel(d.time)}, after the loop idled past its cancel at ${this.#rel(mark.time)}`,
        );
        break;
      }
    }
  }

  /** At most `max` starts in any window of `perMs`. */
  #checkRateLimit(tool: ToolInfo): void {
    const limit = tool.rateLimit;
    if (limit === undefined) return;
    const starts = [...tool.starts].sort((x, y) => x - y);
    for (let i = 0; i + limit.max < starts.length; i++) {
      const span = starts[i + limit.max]! - starts[i]!;
      if (span < limit.perMs - EPS) {
        this.#violate(
          `rate limit of ${tool.name} (${limit.max} per ${limit.perMs} ms): ${limit.max + 1} starts within ${span} ms, from ${this.#rel(starts[i]!)}`,
        );
        return;
      }
    }
  }

  // ─── reporting ────────────────────────────────────────────────────────────

  #violate(message: string): void {
    this.#violations.push(`[${this.#t()}] ${message}`);
  }

  /** Virtual ms since the run's start. */
  #t(): string {
    return `t=${this.#rel(this.#loop.now())}`;
  }

  #rel(at: number): string {
    const ms = at - this.#t0;
    return Number.isInteger(ms) ? `${ms}` : ms.toFixed(3);
  }

  #unfinished(): string {
    const st = this.#executor.stats();
    const open = this.#batches
      .filter((b) => b.report === undefined || (b.spec.iterate && !b.streamDone))
      .map((b) => `${b.id} (${b.deliveries.length}/${b.plans.length} delivered)`);
    return `${open.join(", ") || "every batch reported"}; stats ${JSON.stringify({
      queued: st.queued,
      running: st.running,
      retrying: st.retrying,
      held: st.held,
      batches: st.batches,
      detached: st.detached,
    })}`;
  }

  #fail(): never {
    const unique = [...new Set(this.#violations)];
    const listed = unique.slice(0, MAX_LISTED);
    const more =
      unique.length > listed.length ? `\n  … and ${unique.length - listed.length} more` : "";
    const trace = this.#trace.slice(-TRACE_KEPT);
    throw new FuzzFailure(
      `${unique.length} broken promise${unique.length === 1 ? "" : "s"}:\n  ${listed.join("\n  ")}${more}\n` +
        `last ${trace.length} events (virtual ms from the start):\n  ${trace.join("\n  ")}`,
    );
  }
}

// ─── helpers ────────────────────────────────────────────────────────────────

function retryOf(spec: RetrySpec): RetryPolicy {
  const retryOn: RetryPolicy["retryOn"] =
    spec.retryOn === "kinds"
      ? ["timeout", "tool_error"]
      : spec.retryOn === "timeout-only"
        ? ["timeout"]
        : spec.retryOn === "predicate"
          ? (_error, ctx) => ctx.kind !== "crashed"
          : spec.retryOn === "throwing-predicate"
            ? () => {
                throw new Error("a retryOn that throws");
              }
            : undefined;
  return defined({
    maxAttempts: spec.maxAttempts,
    initialInterval: spec.initialInterval,
    backoffFactor: spec.backoffFactor,
    maxInterval: spec.maxInterval,
    jitter: spec.jitter,
    retryOn,
  }) as RetryPolicy;
}

function recoveryOf(
  spec: RecoverySpec | undefined,
  i: number,
  names: readonly string[],
): { default: unknown } | { fallback: string } | undefined {
  if (spec === undefined) return undefined;
  const n = names.length;
  if ("default" in spec || n === 1)
    return { default: okValue("default" in spec ? spec.default : "number") };
  const offset = 1 + ((spec.fallback - 1) % (n - 1));
  return { fallback: names[(i + offset) % n]! };
}

/** The object without its `undefined` fields. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function make(end: End): [boolean, unknown] {
  return "value" in end ? [true, okValue(end.value)] : [false, thrownValue(end.thrown)];
}

/** The engine's rule for an abandoned attempt's error that honoured its abort. */
function honouredAbort(error: unknown, reason: unknown): boolean {
  if (error === reason) return true;
  try {
    if (!(error instanceof Error)) return false;
    if (error.name === "AbortError") return true;
    return (
      isVolleyError(error) &&
      (error.kind === "timeout" || error.kind === "deadline" || error.kind === "cancelled")
    );
  } catch {
    return false;
  }
}

/** Calls `bad` for every number in `value` that is negative or NaN. */
function negatives(where: string, value: unknown, bad: (where: string) => void): void {
  if (typeof value === "number") {
    if (!(value >= 0)) bad(where);
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) negatives(`${where}.${k}`, v, bad);
  }
}

function safeText(value: unknown): string {
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

/** Whether `tool` needs approval for the call, as the policy the harness gave it decides. */
function needsApprovalOn(tool: ToolInfo, plan: CallPlan): boolean {
  const needs = tool.spec.needsApproval;
  if (needs === "always" || needs === "async") return true;
  return needs === "even" && plan.k.length % 2 === 0;
}
