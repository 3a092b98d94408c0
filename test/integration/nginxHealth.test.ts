import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsStatus } from '../../functions/shared/httpsProbe';
import {
  freePort,
  makeCertificate,
  NGINX_SITE,
  nginxConfFor,
  renderTemplate,
  startNginx,
  stopProcess,
  tempDir,
  type TestCertificate,
} from '../support/realParts';

const FQDN = '3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b.meet.example.test';
const ROOM = '0123456789abcdef0123456789abcdef';
const STAND_IN = join(__dirname, '..', '..', 'local', 'jitsiStandIn.ts');
const JICOFO_CONF = join(__dirname, '..', '..', 'infra', 'bootstrap', 'jicofo.conf');

/**
 * The real nginx serving our rendered site in front of the stand-in Jitsi process (which answers /about/health
 * like the videobridge and Jicofo do), probed by the health-check task's own HTTPS probe: the /health the
 * Lambda asks for is the one nginx really answers, with the certificate checked for the meeting's hostname.
 */
describe('health and room page through the real nginx and the rendered site', () => {
  let dir: string;
  let tls: TestCertificate;
  let httpsPort: number;
  const standIns: ChildProcess[] = [];
  let nginx: ChildProcess | undefined;

  const probe = (path: string) =>
    httpsStatus({
      address: '127.0.0.1',
      port: httpsPort,
      hostname: FQDN,
      path,
      timeoutMs: 5000,
      ca: tls.pem,
    });

  beforeAll(async () => {
    dir = tempDir('nginx-serve');
    chmodSync(dir, 0o755); // nginx's workers run as an unprivileged user when the tests run as root
    tls = makeCertificate(dir, ['*.meet.example.test']);
    const web = join(dir, 'web');
    mkdirSync(join(web, 'static'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>jitsi</title>');
    writeFileSync(join(web, 'static', '404.html'), 'not here');
    writeFileSync(join(dir, 'config.js'), 'var config = {};');
    const standInPorts = await startStandIn(2000);
    httpsPort = await freePort();
    const upstream = `127.0.0.1:${standInPorts.port}`;
    const rendered = renderTemplate(NGINX_SITE, {
      FQDN,
      ROOM,
      HTTPS_PORT: httpsPort,
      CERTIFICATE: tls.cert,
      PRIVATE_KEY: tls.key,
      WEB_ROOT: web,
      CONFIG_JS: join(dir, 'config.js'),
      PROSODY: upstream,
      JVB_WEBSOCKETS: upstream,
      JICOFO: `127.0.0.1:${standInPorts.jicofoPort}`,
      JVB_PRIVATE: upstream,
    });
    expect(rendered.stderr).toBe('');
    writeFileSync(join(dir, 'site.conf'), rendered.stdout);
    nginx = await startNginx(dir, nginxConfFor(dir, join(dir, 'site.conf')), httpsPort);
  });

  afterAll(async () => {
    await stopProcess(nginx);
    for (const child of standIns) await stopProcess(child);
  });

  /** The stand-in, its Jicofo configured with the lines the bootstrap appends to jicofo.conf (null: stock). */
  async function startStandIn(bootDelayMs: number, jicofoConfig: string | null = JICOFO_CONF) {
    const child = spawn(process.execPath, ['--import', 'tsx', STAND_IN], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: {
        ...process.env,
        MEETING_ID: 'nginx-test',
        BOOT_DELAY_MS: String(bootDelayMs),
        ...(jicofoConfig ? { JICOFO_CONFIG: jicofoConfig } : {}),
      },
    });
    standIns.push(child);
    return new Promise<{ port: number; jicofoPort: number }>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (!out.includes('\n')) return;
        child.stdout!.destroy();
        resolve(JSON.parse(out.split('\n')[0]) as { port: number; jicofoPort: number });
      });
      child.once('exit', (code) => reject(new Error(`stand-in exited with ${code}`)));
    });
  }

  test('/health is refused while Jitsi boots and answers 200 once it is up', async () => {
    expect(await probe('/health')).toBe(500); // auth_request: the videobridge said 503
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = await probe('/health');
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });

  test('only the meeting’s own room page is served; another room name and the welcome page are 404', async () => {
    expect(await probe(`/${ROOM}`)).toBe(200);
    expect(await probe('/somebodyelsesroom')).toBe(404);
    expect(await probe('/')).toBe(404);
    expect(await probe('/index.html')).toBe(200); // real files still are
  });

  test('a certificate for another name fails the probe, as a browser would', async () => {
    await expect(
      httpsStatus({
        address: '127.0.0.1',
        port: httpsPort,
        hostname: 'other.example.test',
        path: '/health',
        timeoutMs: 5000,
        ca: tls.pem,
      }),
    ).rejects.toThrow(/altnames|certificate/i);
  });

  test('a stock Jicofo (health checks off, its default) has no /about/health, so the bootstrap turns them on', async () => {
    const stock = await startStandIn(0, null);
    expect((await fetch(`http://127.0.0.1:${stock.jicofoPort}/about/health`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${stock.port}/health`)).status).toBe(404);
    const withConf = await startStandIn(0);
    expect((await fetch(`http://127.0.0.1:${withConf.jicofoPort}/about/health`)).status).toBe(200);
    expect(readFileSync(JICOFO_CONF, 'utf8')).toMatch(/^jicofo\.health\.enabled = true$/m);
    expect(
      readFileSync(join(__dirname, '..', '..', 'infra', 'bootstrap', 'jitsi-configure.sh'), 'utf8'),
    ).toContain('cat "${here}/jicofo.conf" >>"${etc}/jitsi/jicofo/jicofo.conf"');
  });

  test('with Jitsi gone, /health is an error nginx answers itself, never 2xx', async () => {
    await stopProcess(standIns[0]);
    const status = await probe('/health');
    expect(status).toBeGreaterThanOrEqual(500);
  });
});
