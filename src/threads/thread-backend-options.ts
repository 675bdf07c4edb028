/** Heap and stack limits of the threads that run one tool (V8's `resourceLimits`), plus their number. */
export interface ToolResourceLimits {
  /**
   * The most the tool's thread may use for long-lived objects (MB). Past it the thread dies and
   * the call ends `crashed`.
   * @example 64
   */
  readonly maxOldGenerationSizeMb?: number;
  /** The most the thread may use for recently created objects (MB). */
  readonly maxYoungGenerationSizeMb?: number;
  /** The size of the thread's pre-allocated range for generated code (MB). */
  readonly codeRangeSizeMb?: number;
  /**
   * The thread's stack size (MB).
   * @default 4
   */
  readonly stackSizeMb?: number;
  /**
   * Threads in this tool's own pool: at most this many of its calls run at once.
   * @default 1
   */
  readonly threads?: number;
}

/** Options of {@link threadBackend}. */
export interface ThreadBackendOptions {
  /**
   * Threads in the shared pool, which runs every worker tool without `resourceLimits`, for all
   * batches of the executor.
   * @default os.availableParallelism()
   * @example threads: 4
   */
  readonly threads?: number;
  /**
   * Tools (by name) that get their own small pool with these V8 limits, for untrusted input or
   * code that may run away with memory. A tool not named here runs in the shared pool.
   * @example resourceLimits: { parse_pdf: { maxOldGenerationSizeMb: 128 } }
   */
  readonly resourceLimits?: Readonly<Record<string, ToolResourceLimits>>;
  /**
   * The most threads all pools may hold together: `threads` plus every tool pool's `threads`
   * must fit, or the constructor throws a `TypeError`.
   * @default 2 × threads
   */
  readonly maxTotalThreads?: number;
  /**
   * More tools modules (paths or `file:` URLs) that every thread loads as it
   * starts and on `warm()`. The modules of the worker tools an executor is given need no entry
   * here: the executor tells the backend of them, and their pool's threads load them. (Threads
   * started later, such as those that replace a killed thread, also load every module their pool
   * has used so far; a tool's own pool under `resourceLimits` never loads other tools' modules.)
   * Once a thread dies while idle, killed by something a module left running, threads stop
   * preloading: each then loads a module at its first attempt that needs it.
   * @default []
   * @example preload: [new URL("./cpu-tools.js", import.meta.url)]
   */
  readonly preload?: readonly (string | URL)[];
}
