import { request } from 'node:https';

export interface HttpsProbeTarget {
  /** Where to connect: the server's public IP. */
  address: string;
  /** The name the certificate must be valid for (sent as SNI and Host). */
  hostname: string;
  path: string;
  timeoutMs: number;
  port?: number;
  /** The trusted CAs instead of Node's public roots (the default, as a browser would trust): probeTrust.ts. */
  ca?: string | string[];
}

/**
 * GET https://<hostname><path> answered by `address`, without a DNS lookup: the certificate must still be valid
 * for the hostname. Asking DNS while the meeting's brand-new record propagates could cache NXDOMAIN for up to
 * the zone's SOA TTL (900 s on Route 53), longer than the whole health-check budget.
 */
export function httpsStatus(target: HttpsProbeTarget): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.address,
        port: target.port ?? 443,
        path: target.path,
        method: 'GET',
        servername: target.hostname,
        headers: { host: target.hostname },
        ca: target.ca,
        timeout: target.timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${target.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
