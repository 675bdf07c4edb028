import type { CallState } from "./call-state.js";
import type { DedupeTable } from "./dedupe.js";
import type { OutcomeError } from "./outcome.js";
import type { SequenceTicket } from "./sequential-groups.js";

/** A call being recovered by a fallback tool: what the original call was and how it failed. */
export interface RecoveryOrigin {
  /** The tool the call named. */
  readonly name: string;
  /** The original call's first error. */
  readonly from: OutcomeError;
  /** Attempts the original tool made. */
  readonly attempts: number;
  /** When the original call first started (epoch ms), or 0. */
  readonly startedAt: number;
}

/**
 * The batch-processing state of one call, made only for calls that use a feature (a group, an
 * exclusive or idempotent tool, a fallback), so plain calls carry a single `undefined` field.
 */
export interface CallExtras {
  /** The call's claim on its sequential-group locks. */
  ticket?: SequenceTicket<CallState> | undefined;
  /** Set while a call of an idempotent tool waits for its groups: dedupe it once it holds them. */
  dedupeWhenReady?: boolean | undefined;
  /**
   * The parsed arguments of an idempotent tool's call whose tool parses its own (it gets them as
   * given): identical calls are found by these, as for any other tool.
   */
  parsedArgs?: unknown;
  /** The dedupe key, while this call leads identical calls in flight. */
  dedupeKey?: string | undefined;
  /** The table the key is in. */
  dedupe?: DedupeTable<CallState> | undefined;
  /** Identical calls waiting for this one's outcome. */
  followers?: CallState[] | undefined;
  /** For a follower: the call it waits for. */
  leader?: CallState | undefined;
  /** For a fallback call: the call it recovers. */
  recovering?: RecoveryOrigin | undefined;
}
