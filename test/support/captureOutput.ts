/**
 * Every line written to stdout and stderr while `run` runs (Lambda sends both to CloudWatch Logs; Powertools
 * writes WARN and ERROR to stderr), in order. Powertools writes through its own Console on process.stdout and
 * process.stderr, so this sees exactly what CloudWatch would.
 */
export async function captureOutput<T>(run: () => Promise<T> | T): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    const result = await run();
    return { result, lines };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

export const jsonLines = (lines: string[]) =>
  lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

/** The embedded-metric-format lines, as CloudWatch reads them. */
export interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

export const emfLines = (lines: string[]) => jsonLines(lines).filter((l) => '_aws' in l) as EmfLine[];
export const logLines = (lines: string[]) => jsonLines(lines).filter((l) => !('_aws' in l));
