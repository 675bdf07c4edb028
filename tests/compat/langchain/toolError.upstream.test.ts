import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("upstream");
usePortedFile("toolError");
await import("./upstream/toolError.js");
checkEntries();
