import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("upstream");
usePortedFile("middleware");
await import("./upstream/middleware.js");
checkEntries();
