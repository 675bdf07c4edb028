/**
 * `volley/threads`: runs CPU-bound and untrusted tools in a worker-thread pool (piscina), killed
 * for real on timeout, deadline and cancel. Tools with `isolation: "worker"` run on the backend
 * given to the executor as `backends.worker`.
 * @example
 * import { createExecutor } from "volley";
 * import { threadBackend, threadTools } from "volley/threads";
 * const executor = createExecutor({
 *   tools: await threadTools(new URL("./cpu-tools.js", import.meta.url)),
 *   backends: { worker: threadBackend() },
 * });
 * @module volley/threads
 */
export { ThreadBackend, threadBackend } from "./thread-backend.js";
export type { ThreadBackendStats, ThreadPoolStats } from "./thread-backend.js";
export type { ThreadBackendOptions, ToolResourceLimits } from "./thread-backend-options.js";
export { threadTools } from "./thread-tools.js";
export type { ThreadToolsOptions } from "./thread-tools.js";
export {
  loadToolsModule,
  toolsModuleUrl,
  ToolsModuleError,
  isToolsModuleError,
} from "../tools-module/load-tools-module.js";
export type { ToolsModuleProblem } from "../tools-module/load-tools-module.js";
