import type {
  Feature,
  FeatureBatch,
  FeatureCall,
  FeatureFactory,
  FeatureHost,
  FeatureTool,
  ToolHooks,
} from "../features/feature.js";
import type { OutcomeError } from "../outcome.js";
import type { ExecutorStats, ToolStats } from "../stats.js";

type Stage = Exclude<keyof ToolHooks<FeatureCall>, "stats">;

/** The hooks of the features a tool's calls use, by stage; `null` for a stage no feature hooks. */
export class HookSet<C extends FeatureCall> {
  readonly place: readonly ToolHooks<C>[] | null;
  readonly enqueue: readonly ToolHooks<C>[] | null;
  readonly open: readonly ToolHooks<C>[] | null;
  readonly start: readonly ToolHooks<C>[] | null;
  readonly attempted: readonly ToolHooks<C>[] | null;
  readonly abandoned: readonly ToolHooks<C>[] | null;
  readonly recover: readonly ToolHooks<C>[] | null;
  readonly leave: readonly ToolHooks<C>[] | null;
  readonly ended: readonly ToolHooks<C>[] | null;
  readonly #all: readonly ToolHooks<C>[];

  constructor(hooks: readonly ToolHooks<C>[]) {
    const having = (stage: Stage): readonly ToolHooks<C>[] | null => {
      const list = hooks.filter((h) => typeof h[stage] === "function");
      return list.length === 0 ? null : list;
    };
    this.place = having("place");
    this.enqueue = having("enqueue");
    this.open = having("open");
    this.start = having("start");
    this.attempted = having("attempted");
    this.abandoned = having("abandoned");
    this.recover = having("recover");
    this.leave = having("leave");
    this.ended = having("ended");
    this.#all = hooks;
  }

  /** True when some feature gates the tool's lane. */
  get gated(): boolean {
    return this.open !== null;
  }

  /** What the features add to the tool's stats. */
  stats(): Partial<Pick<ToolStats, "circuit" | "tokens" | "latencyMs">> {
    let out: Partial<Pick<ToolStats, "circuit" | "tokens" | "latencyMs">> = {};
    for (const h of this.#all) if (h.stats !== undefined) out = { ...out, ...h.stats() };
    return out;
  }
}

/** One tool's hooks: for its plain calls, and (made on first use) for those that name a group. */
export interface ToolPlan<C extends FeatureCall> {
  readonly hooks: HookSet<C>;
  grouped(): HookSet<C>;
}

/** The features of one executor, made once, with their executor-wide hooks by stage. */
export class FeatureSet<C extends FeatureCall> {
  readonly #features: readonly Feature<C>[];
  readonly #batch: readonly Feature<C>[];
  readonly #admit: readonly Feature<C>[] | null;
  readonly #accept: readonly Feature<C>[] | null;

  constructor(factories: readonly FeatureFactory<C>[], host: FeatureHost<C>) {
    const features: Feature<C>[] = [];
    for (const make of factories) {
      const feature = make(host);
      if (feature !== undefined) features.push(feature);
    }
    this.#features = features;
    this.#batch = features.filter((f) => f.batch !== undefined);
    const admit = features.filter((f) => f.admit !== undefined);
    this.#admit = admit.length === 0 ? null : admit;
    const accept = features.filter((f) => f.accept !== undefined);
    this.#accept = accept.length === 0 ? null : accept;
  }

  /** The hooks for `tool`'s calls, made once per tool. */
  planFor(tool: FeatureTool, policy: object): ToolPlan<C> {
    const own = this.#features.map((f) => f.forTool?.(tool, policy));
    const hooks = new HookSet(own.filter((h) => h !== undefined));
    let grouped: HookSet<C> | undefined;
    return {
      hooks,
      grouped: () =>
        (grouped ??= new HookSet(
          this.#features
            .map((f, i) => own[i] ?? f.forGroupedTool?.(tool, policy))
            .filter((h) => h !== undefined),
        )),
    };
  }

  /** A new batch, with `execute()`'s options. */
  batch(batch: FeatureBatch, options: object): void {
    for (const f of this.#batch) f.batch!(batch, options);
  }

  /** Whether call `index` of `batch` may be read: an error when a feature refuses it. */
  admit(batch: FeatureBatch, index: number): OutcomeError | undefined {
    const admit = this.#admit;
    if (admit === null) return undefined;
    for (const f of admit) {
      const refused = f.admit!(batch, index);
      if (refused !== undefined) return refused;
    }
    return undefined;
  }

  /** Whether a valid call may be placed: an error when a feature refuses it. */
  accept(call: C): OutcomeError | undefined {
    const accept = this.#accept;
    if (accept === null) return undefined;
    for (const f of accept) {
      const refused = f.accept!(call);
      if (refused !== undefined) return refused;
    }
    return undefined;
  }

  /** What the features add to the executor's stats. */
  stats(): Partial<Pick<ExecutorStats, "tenants" | "upstreams">> {
    let out: Partial<Pick<ExecutorStats, "tenants" | "upstreams">> = {};
    for (const f of this.#features) if (f.stats !== undefined) out = { ...out, ...f.stats() };
    return out;
  }
}
