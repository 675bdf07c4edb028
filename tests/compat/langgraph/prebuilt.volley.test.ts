import { useVariant } from "../variant.js";
import { expectKnownFailures } from "./known-failures.js";

useVariant("volley");
expectKnownFailures("prebuilt", "volley");
await import("./upstream/prebuilt.js");
