import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("upstream");
usePortedFile("toolRetry");
await import("./upstream/toolRetry.js");
checkEntries();
