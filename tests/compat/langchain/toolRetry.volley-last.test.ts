import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-last");
usePortedFile("toolRetry");
await import("./upstream/toolRetry.js");
checkEntries();
