import { useVariant } from "../variant.js";
import { expectKnownFailures } from "./known-failures.js";

useVariant("volley");
expectKnownFailures("checkpoint", "volley");
await import("./upstream/checkpoint.js");
