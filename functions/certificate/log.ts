import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * renewCertificate's log entries (`{msg, level?, ...keys}`) as Powertools Logger lines at their level (INFO
 * when none), so they carry the same keys, level filter and format as every other function's. An embedded
 * metric format entry (`_aws`: the "days until expiry" the expiry alarm reads) is written as it is, a bare
 * JSON line: CloudWatch extracts metrics only from a log event that is the EMF document itself
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 */
export function certificateLog(
  logger: Logger,
  writeRaw: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): (entry: Record<string, unknown>) => void {
  return (entry) => {
    if ('_aws' in entry) return writeRaw(JSON.stringify(entry));
    const { msg, level, ...keys } = entry;
    const message = typeof msg === 'string' ? msg : 'certificate';
    if (level === 'ERROR') logger.error(message, keys);
    else if (level === 'WARN') logger.warn(message, keys);
    else logger.info(message, keys);
  };
}
