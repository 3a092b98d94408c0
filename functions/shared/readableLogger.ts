import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

/** Keys every line has, or that the line's head already shows: not repeated at its end. */
const SHOWN = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'component',
  'meetingId',
  'revision',
  'executionName',
]);

/**
 * The same Logger (levels, keys, children) printing one plain line per entry instead of JSON, for the local
 * stack, where every function runs in one process and a person reads the terminal:
 *
 *   18:02:11.042 INFO  launch     meeting 0c7e… r1: server launched instanceId=i-0abc instanceType=c6i.large
 *
 * Powertools documents extending Logger, overriding createLogger so children keep the subclass; printLog is
 * the protected step that writes one entry (JSON.stringify to its console in the base class).
 * POWERTOOLS_DEV would only indent the JSON over many lines.
 */
export class ReadableLogger extends Logger {
  // Not a parameter property: Logger's constructor may already print (warnings it buffered), before it is set.
  private readonly write: ((line: string) => void) | undefined;

  constructor(options: ConstructorOptions = {}, write?: (line: string) => void) {
    super(options);
    this.write = write;
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new ReadableLogger(options, this.write);
  }

  protected override printLog(_logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    const line = readableLine(log.getAttributes());
    if (this.write) this.write(line);
    else process.stdout.write(`${line}\n`);
  }
}

/** One entry as a line: time, level, component, meeting, message, then the other keys as key=value. */
export function readableLine(attributes: Record<string, unknown>): string {
  const { level, message, timestamp, component, meetingId, revision } = attributes;
  const time = typeof timestamp === 'string' ? timestamp.slice(11, 23) : '';
  const meeting =
    typeof meetingId === 'string'
      ? ` meeting ${meetingId}${typeof revision === 'number' ? ` r${revision}` : ''}`
      : '';
  const rest = Object.entries(attributes)
    .filter(([key, value]) => !SHOWN.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return [
    `${time} ${String(level ?? '').padEnd(5)} ${String(component ?? '').padEnd(12)}${meeting}: ${String(message ?? '')}`,
    ...rest,
  ].join(' ');
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  // Powertools formats an Error as {name, message, location, stack}: the first line is what a reader needs.
  if (value && typeof value === 'object' && 'message' in value && 'name' in value)
    return JSON.stringify(`${String(value.name)}: ${String(value.message)}`);
  return JSON.stringify(value);
}
