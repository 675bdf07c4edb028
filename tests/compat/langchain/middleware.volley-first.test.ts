import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-first");
usePortedFile("middleware");
await import("./upstream/middleware.js");
checkEntries();
