import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-last");
usePortedFile("middleware");
await import("./upstream/middleware.js");
checkEntries();
