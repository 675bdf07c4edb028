import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("upstream");
usePortedFile("middlewareErrorHandling");
await import("./upstream/middlewareErrorHandling.js");
checkEntries();
