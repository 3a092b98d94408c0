import type { PhaseName } from './runSmoke';

/** A phase of the smoke test that did not pass: the CLI names it, with the reason, and exits 1. */
export class PhaseFailed extends Error {
  constructor(
    readonly phase: PhaseName,
    readonly reason: string,
  ) {
    super(`${phase}: ${reason}`);
    this.name = 'PhaseFailed';
  }
}

/** An unexpected error in one line: its class and message. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
