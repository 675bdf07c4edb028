import { useVariant } from "../variant.js";
import { expectKnownFailures } from "./known-failures.js";

useVariant("upstream");
expectKnownFailures("prebuilt", "upstream");
await import("./upstream/prebuilt.js");
