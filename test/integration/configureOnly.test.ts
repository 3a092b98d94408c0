import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsStatus } from '../../functions/shared/httpsProbe';
import {
  installCertificate,
  makeConfigureRoot,
  prepareNginx,
  runConfigure,
  stepTimings,
  stopServices,
  type ConfigureRoot,
} from '../support/configureRoot';

const DOMAIN = 'meet.example.test';
const FQDN = `3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b.${DOMAIN}`;
const ROOM = '0123456789abcdef0123456789abcdef';

/**
 * The boot of a baked image after the certificate: infra/bootstrap/jitsi-configure.sh, unchanged, against the
 * real Debian nginx and Prosody in a temporary root (test/support/configureRoot.ts says what is faked and why).
 */
describe('configure-only boot (jitsi-configure.sh) with the real nginx and Prosody', () => {
  let root: ConfigureRoot;
  let run: ReturnType<typeof runConfigure>;

  beforeAll(async () => {
    root = await makeConfigureRoot(DOMAIN);
    prepareNginx(root, FQDN);
    const cert = installCertificate(root, FQDN);
    if (cert.status !== 0) throw new Error(`certificate step failed: ${cert.stderr}`);
    run = runConfigure(root, FQDN, ROOM);
  }, 60_000);

  afterAll(() => {
    if (root) stopServices(root);
  });

  test('succeeds and times every step, the services last', () => {
    expect(run.stderr).not.toMatch(/configure failed/);
    expect(run.status).toBe(0);
    expect(Object.keys(stepTimings(run.stdout))).toEqual([
      'jitsi-packages',
      'jitsi-settings',
      'render-site',
      'nginx-t',
      'render-room-count',
      'prosody-check',
      'restart-prosody',
      'restart-jicofo',
      'restart-jitsi-videobridge2',
      'restart-nginx',
    ]);
    expect(run.stderr).toMatch(/syntax is ok/); // the real nginx -t, on the site just rendered
    // The real checker ran on the loaded snippet; its finding here (a deprecated option of the test's global
    // config) is logged, not fatal, as on a server where jitsi's generated file draws warnings too.
    expect(run.stdout).toMatch(/meeting-scheduler-room-count\.cfg\.lua/);
    expect(run.stdout).toContain('prosodyctl check config reported the problems above');
    expect(run.stdout).toContain(`jitsi configured for ${FQDN}`);
  });

  test('configures jitsi’s unpacked packages for the meeting’s hostname, with our certificate', () => {
    const debconf = readFileSync(join(root.dir, 'debconf'), 'utf8');
    expect(debconf).toContain(`jitsi-videobridge2 jitsi-videobridge/jvb-hostname string ${FQDN}`);
    expect(debconf).toContain(`jitsi-meet/cert-path-crt string ${root.tlsDir}/fullchain.pem`);
    expect(readFileSync(join(root.dir, 'dpkg.log'), 'utf8')).toBe('--configure --pending\n');
    expect(readFileSync(join(root.etc, 'jitsi/jicofo/jicofo.conf'), 'utf8')).toMatch(
      /^jicofo\.health\.enabled = true$/m,
    );
    // /about/health is on by default; the COLIBRI REST API (videobridge.apis.rest) stays off (issue 23 #4).
    const jvb = readFileSync(join(root.etc, 'jitsi/videobridge/jvb.conf'), 'utf8');
    expect(jvb).toMatch(/^videobridge\.http-servers\.private\.host = 127\.0\.0\.1$/m);
    expect(jvb).not.toMatch(/apis\.rest|rest\.enabled/);
    expect(readFileSync(join(root.dir, 'restarted'), 'utf8')).toBe('jicofo\njitsi-videobridge2\n');
  });

  test('the real nginx serves the meeting’s room page over TLS for its hostname, and no other room', async () => {
    const probe = (path: string) =>
      httpsStatus({
        address: '127.0.0.1',
        port: root.httpsPort,
        hostname: FQDN,
        path,
        timeoutMs: 5000,
        ca: root.caPem,
      });
    expect(await probe(`/${ROOM}`)).toBe(200);
    expect(await probe('/someoneelsesroom')).toBe(404);
  });

  test('the real Prosody loaded the room-count snippet for the hostname (an empty room answers 404)', async () => {
    const res = await fetch(`http://127.0.0.1:${root.prosodyHttpPort}/room?room=${ROOM}&domain=${FQDN}`, {
      headers: { host: FQDN },
    });
    expect(res.status).toBe(404);
    expect(existsSync(join(root.etc, 'prosody/conf.d/meeting-scheduler-room-count.cfg.lua'))).toBe(true);
  });
});

describe('configure-only boot: failures end with one reason line', () => {
  test('a site nginx refuses stops before any service starts, naming nginx -t', async () => {
    const root = await makeConfigureRoot(DOMAIN);
    try {
      prepareNginx(root, FQDN);
      expect(installCertificate(root, FQDN).status).toBe(0);
      // A listen address nginx cannot parse: the rendered site fails `nginx -t`.
      const run = runConfigure(root, FQDN, ROOM, { HTTPS_PORT: 'not-a-port' });
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n').pop()).toBe(
        'configure failed: nginx -t refused the rendered site',
      );
      expect(existsSync(join(root.dir, 'restarted'))).toBe(false);
      expect(existsSync(join(root.dir, 'nginx.pid'))).toBe(false);
    } finally {
      stopServices(root);
    }
  }, 30_000);

  test('jitsi’s packages failing to configure is named as such', async () => {
    const root = await makeConfigureRoot(DOMAIN);
    try {
      // No fake jitsi host template: the fake postinst fails, as a broken package would.
      const run = runConfigure(root, FQDN, ROOM, { FAKE_JITSI_HOST: join(root.dir, 'missing') });
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n').pop()).toBe(
        `configure failed: jitsi's packages did not configure for ${FQDN}`,
      );
    } finally {
      stopServices(root);
    }
  }, 30_000);
});

describe('jitsi-configure.sh --answers-only (the apt fallback, before it installs)', () => {
  test("gives debconf the meeting's answers and does nothing else", async () => {
    const root = await makeConfigureRoot(DOMAIN);
    const run = runConfigure(root, FQDN, ROOM, {}, ['--answers-only']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const debconf = readFileSync(join(root.dir, 'debconf'), 'utf8');
    expect(debconf).toContain(`jitsi-videobridge2 jitsi-videobridge/jvb-hostname string ${FQDN}`);
    expect(debconf).toContain('jitsi-meet/cert-choice select I want to use my own certificate');
    // Nothing configured, rendered or restarted: apt's install configures, then the full run does the rest.
    expect(run.stdout).toBe('');
    expect(existsSync(join(root.dir, 'dpkg.log'))).toBe(false);
    expect(existsSync(join(root.dir, 'restarted'))).toBe(false);
  });
});
