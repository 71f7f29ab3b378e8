/**
 * Warnings (Gymnasium's `logger.warn`): printed to stderr by default; a handler can collect them
 * instead (the env checker and tests do).
 */

/** Receives each warning message. */
export type WarningHandler = (message: string) => void;

const printToStderr: WarningHandler = (message) => {
  console.warn(`WARN: ${message}`);
};

let handler: WarningHandler = printToStderr;

/** Emits a warning through the current handler. */
export function warn(message: string): void {
  handler(message);
}

/** Replaces the warning handler; returns the previous one (pass `undefined` to restore stderr). */
export function setWarningHandler(next: WarningHandler | undefined): WarningHandler {
  const previous = handler;
  handler = next ?? printToStderr;
  return previous;
}

/** Runs `fn` collecting the warnings it emits instead of printing them. */
export function collectWarnings<T>(fn: () => T): { result: T; warnings: string[] } {
  const warnings: string[] = [];
  const previous = setWarningHandler((m) => warnings.push(m));
  try {
    return { result: fn(), warnings };
  } finally {
    setWarningHandler(previous);
  }
}
