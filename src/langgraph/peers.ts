import { importPeer } from "../core/optional-peer.js";

/**
 * The LangChain packages volley/langgraph builds on, loaded with `import()` before anything else
 * in it: an import statement of a missing package fails with Node's bare `ERR_MODULE_NOT_FOUND`
 * before any code runs, this says what to install. The files of this folder take values from
 * these namespaces and their types from `import type`. (`langchain` itself is needed for types
 * only: `createAgent` is the user's.)
 */
export const [langgraph, langgraphPrebuilt, coreMessages, coreTools, coreSingletons] =
  await Promise.all([
    importPeer(() => import("@langchain/langgraph"), "volley/langgraph"),
    importPeer(() => import("@langchain/langgraph/prebuilt"), "volley/langgraph"),
    importPeer(() => import("@langchain/core/messages"), "volley/langgraph"),
    importPeer(() => import("@langchain/core/tools"), "volley/langgraph"),
    importPeer(() => import("@langchain/core/singletons"), "volley/langgraph"),
  ]);
