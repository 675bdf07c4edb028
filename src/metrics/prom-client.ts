import type * as PromClient from "prom-client";
import { requirePeer } from "../core/optional-peer.js";

/**
 * prom-client, required rather than imported: an import statement of a missing package fails
 * with Node's bare `ERR_MODULE_NOT_FOUND`, this says what to install.
 */
export const promClient = requirePeer<typeof PromClient>("prom-client", "volley/metrics");
