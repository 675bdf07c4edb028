import type { Options, ValidateFunction } from "ajv";
import { requirePeer } from "../core/optional-peer.js";

/** The part of an Ajv instance Volley uses. */
export interface AjvInstance {
  compile(schema: object): ValidateFunction;
}

/** An Ajv class: `Ajv` (draft-07), `Ajv2019` or `Ajv2020`. */
type AjvClass = new (options: Options) => AjvInstance;

/** The JSON Schema dialects Volley compiles, by the Ajv module that knows each. */
export type Dialect = "draft-07" | "2019-09" | "2020-12";

const MODULES: Readonly<Record<Dialect, string>> = {
  "draft-07": "ajv",
  "2019-09": "ajv/dist/2019.js",
  "2020-12": "ajv/dist/2020.js",
};

const loaded = new Map<Dialect, AjvClass>();

/**
 * The Ajv class of a dialect, loaded from the optional peer `ajv` at first use (so that a
 * subpath loads without it until a schema is compiled), or an error that says what to install.
 * @param needer who needs Ajv, for the "npm install ajv" message: `volley/mcp`, …
 */
export function ajvClass(dialect: Dialect, needer: string): AjvClass {
  let Class = loaded.get(dialect);
  if (Class === undefined) {
    Class = requirePeer<{ default: AjvClass }>(MODULES[dialect], needer, "ajv").default;
    loaded.set(dialect, Class);
  }
  return Class;
}
