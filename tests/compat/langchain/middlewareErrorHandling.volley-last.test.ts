import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-last");
usePortedFile("middlewareErrorHandling");
await import("./upstream/middlewareErrorHandling.js");
checkEntries();
