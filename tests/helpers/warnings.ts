import { vi } from "vitest";

/** A process warning a test caught with {@link captureWarnings}. */
export interface CapturedWarning {
  /** `Warning`, `DeprecationWarning`, `MaxListenersExceededWarning`, … */
  readonly name: string;
  readonly message: string;
  /** `VOLLEY_LISTENER`, `VOLLEY_JOURNAL`, … when the warning has one. */
  readonly code: string | undefined;
}

/** The warnings caught so far; `restore()` (or `using`) lets warnings through again. */
export interface WarningCapture extends Disposable {
  readonly warnings: CapturedWarning[];
  restore(): void;
}

/**
 * Catches the process warnings a test expects, so that it can assert them, instead of letting
 * them print on the test run's output, where the warning guard (`tests/helpers/warning-guard.ts`)
 * fails the test for them. Catches only what goes through `process.emitWarning` from now on.
 * @example
 * using captured = captureWarnings();
 * await executor.execute(calls);
 * expect(captured.warnings.map((w) => w.code)).toEqual(["VOLLEY_LISTENER"]);
 */
export function captureWarnings(): WarningCapture {
  const warnings: CapturedWarning[] = [];
  const spy = vi
    .spyOn(process, "emitWarning")
    .mockImplementation((warning: string | Error, ...rest: unknown[]): void => {
      warnings.push(captured(warning, rest));
    });
  const restore = (): void => spy.mockRestore();
  return { warnings, restore, [Symbol.dispose]: restore };
}

/** The warning of `process.emitWarning(warning, type?, code?)` or `(warning, { type, code })`. */
function captured(warning: string | Error, rest: readonly unknown[]): CapturedWarning {
  const [first, second] = rest;
  const options =
    typeof first === "object" && first !== null ? (first as { type?: string; code?: string }) : {};
  const type = typeof first === "string" ? first : options.type;
  const code = typeof second === "string" ? second : options.code;
  if (typeof warning === "string") return { name: type ?? "Warning", message: warning, code };
  return {
    name: warning.name,
    message: warning.message,
    code: code ?? (warning as { code?: string }).code,
  };
}
