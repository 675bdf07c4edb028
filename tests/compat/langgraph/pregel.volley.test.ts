import { useVariant } from "../variant.js";
import { expectKnownFailures } from "./known-failures.js";

useVariant("volley");
expectKnownFailures("pregel", "volley");
await import("./upstream/pregel.js");
