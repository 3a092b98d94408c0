import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpsStatus } from '../../functions/shared/httpsProbe';

/**
 * The health probe against a real HTTPS server on loopback, with a certificate made by openssl for the meeting's
 * hostname: nothing resolves that name, so an answer proves the probe connects by address and checks the name.
 */
describe('httpsStatus (health probe over HTTPS by address)', () => {
  const HOST = 'abc123.meet.example.test';
  let cert: string;
  let server: Server;
  let port: number;
  const hosts: (string | undefined)[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'https-probe-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${HOST}`,
        '-addext',
        `subjectAltName=DNS:${HOST}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      hosts.push(req.headers.host);
      if (req.url === '/slow') return; // never answers
      res.writeHead(req.url === '/health' ? 200 : 503).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const probe = (over: Partial<Parameters<typeof httpsStatus>[0]> = {}) =>
    httpsStatus({
      address: '127.0.0.1',
      port,
      hostname: HOST,
      path: '/health',
      timeoutMs: 2000,
      ca: cert,
      ...over,
    });

  test('answers the status from the address, asking for the hostname (SNI and Host)', async () => {
    expect(await probe()).toBe(200);
    expect(await probe({ path: '/other' })).toBe(503);
    expect(hosts).toEqual([HOST, HOST]);
  });

  test('a certificate for another name is refused', async () => {
    await expect(probe({ hostname: 'other.meet.example.test' })).rejects.toThrow(/altnames|does not match/i);
  });

  test('an untrusted (self-signed) certificate is refused, as before the real certificate is in place', async () => {
    await expect(probe({ ca: undefined })).rejects.toThrow(/self[- ]signed/i);
  });

  test('a server that never answers fails after the timeout', async () => {
    await expect(probe({ path: '/slow', timeoutMs: 300 })).rejects.toThrow('no answer within 300 ms');
  });
});
