/**
 * The load generator of the booking benchmark, in a child process of its own so that the client does not share
 * the server's event loop: autocannon POSTs /meetings at a fixed overall rate over a fixed number of
 * connections, and every response's latency (ms, sub-millisecond) goes back to the parent.
 * Usage (by booking.ts): fork('bench/bookingLoad.ts', [apiUrl, rate, connections, seconds]).
 */
import autocannon from 'autocannon';
import { summarize, type Summary } from './stats';

export interface LoadResult {
  requests: number;
  latency: Summary;
  /** Connection errors (timeouts included), and answers other than 2xx. */
  errors: number;
  timeouts: number;
  non2xx: number;
  statuses: Record<string, number>;
  seconds: number;
}

function runLoad(apiUrl: string, rate: number, connections: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const body = JSON.stringify({
    teacherName: 'Ada Lovelace',
    studentName: 'Charles Babbage',
    // A day ahead: every booking waits for its launch, none launches during the run.
    startTime: new Date(Date.now() + 86_400_000).toISOString(),
    durationMinutes: 60,
  });
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${apiUrl}/meetings`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        overallRate: rate,
        duration: seconds,
        timeout: 10,
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({
          requests: latencies.length,
          latency: summarize(latencies),
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          statuses,
          seconds: result.duration,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
}

if (require.main === module) {
  const [apiUrl, rate, connections, seconds] = process.argv.slice(2);
  runLoad(apiUrl, Number(rate), Number(connections), Number(seconds)).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
