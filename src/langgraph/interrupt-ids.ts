import { createHash } from "node:crypto";
import { coreSingletons, langgraph } from "./peers.js";
import { SCRATCHPAD_KEY } from "./pregel-task.js";

/**
 * The interrupt id of a tool call's `answered`-th interrupt in a task (0 for its first): 32
 * lowercase hex digits, the form LangGraph takes for the keys of a resume map
 * (`Command({ resume: { [id]: value } })`). It depends on the task's namespace, the call's id
 * and the count, so the calls of one batch, and the successive interrupts of one call, never
 * share an id, and a resumed task computes the same ids again.
 */
export function callInterruptId(namespace: string, callId: string, answered: number): string {
  return createHash("sha256")
    .update(`volley-call-interrupt\u0000${namespace}\u0000${callId}\u0000${answered}`)
    .digest("hex")
    .slice(0, 32);
}

/**
 * The id LangGraph's own `interrupt()` gives the interrupt of a task whose scratchpad holds
 * `answered` resume values: how an interrupt raised in a call's own scope is told apart from one
 * that bubbled up from a subgraph the call ran (whose id is the subgraph's, and must stay so).
 * LangGraph does not export its id function, so this asks `interrupt()` itself, in a scratchpad
 * of its own. `undefined` if it answers otherwise than LangGraph 1.x does.
 */
export function langgraphInterruptId(namespace: string, answered: number): string | undefined {
  const scratchpad = {
    callCounter: 0,
    // interrupt() counts up first: this makes it the `answered`-th, with no value to return.
    interruptCounter: answered - 1,
    resume: new Array<unknown>(answered),
    subgraphCounter: 0,
    consumeNullResume: () => undefined,
  };
  const config = {
    configurable: {
      checkpoint_ns: namespace,
      // interrupt() only checks that the graph has a checkpointer.
      __pregel_checkpointer: true,
      [SCRATCHPAD_KEY]: scratchpad,
    },
  };
  try {
    coreSingletons.AsyncLocalStorageProviderSingleton.runWithConfig(config, () =>
      langgraph.interrupt(null),
    );
  } catch (error) {
    if (langgraph.isGraphInterrupt(error)) {
      const id = error.interrupts[0]?.id;
      return typeof id === "string" ? id : undefined;
    }
  }
  return undefined;
}
