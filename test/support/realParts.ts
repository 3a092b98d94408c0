import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const BOOTSTRAP_DIR = join(__dirname, '..', '..', 'infra', 'bootstrap');
export const RENDER = join(BOOTSTRAP_DIR, 'render-template.sh');
export const NGINX_SITE = join(BOOTSTRAP_DIR, 'jitsi-site.nginx.conf');

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `meeting-scheduler-${prefix}-`));
}

/** Runs infra/bootstrap/render-template.sh exactly as the bootstrap does. */
export function renderTemplate(template: string, values: Record<string, string | number>) {
  return spawnSync(RENDER, [template, ...Object.entries(values).map(([k, v]) => `${k}=${v}`)], {
    encoding: 'utf8',
  });
}

/** The values the bootstrap renders the nginx site with (jitsi-bootstrap.sh), but for the certificate. */
export function productionSiteValues(fqdn: string, room: string, tls: { cert: string; key: string }) {
  return {
    FQDN: fqdn,
    ROOM: room,
    HTTPS_PORT: 443,
    CERTIFICATE: tls.cert,
    PRIVATE_KEY: tls.key,
    WEB_ROOT: '/usr/share/jitsi-meet',
    CONFIG_JS: `/etc/jitsi/meet/${fqdn}-config.js`,
    PROSODY: '127.0.0.1:5280',
    JVB_WEBSOCKETS: '127.0.0.1:9090',
    JICOFO: '127.0.0.1:8888',
    JVB_PRIVATE: '127.0.0.1:8080',
  };
}

export interface TestCertificate {
  cert: string;
  key: string;
  /** PEM text of the certificate (the test's own CA: it is self-signed). */
  pem: string;
}

/** A self-signed certificate made by openssl for these names, valid for `days`. */
export function makeCertificate(dir: string, names: string[], days = 2, file = 'tls'): TestCertificate {
  const cert = join(dir, `${file}.crt`);
  const key = join(dir, `${file}.key`);
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days)];
  args.push(
    '-subj',
    `/CN=${names[0]}`,
    '-addext',
    `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
  );
  execFileSync('openssl', [...args, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key, pem: readFileSync(cert, 'utf8') };
}

/**
 * An nginx.conf for a test prefix made from Debian's own /etc/nginx/nginx.conf: the same http {} context the
 * site lands in on a server (mime types, gzip, ssl defaults), with the site included where sites-enabled is,
 * and pid, logs and temp paths moved into the test's directory so nginx runs without root.
 */
export function nginxConfFor(dir: string, site: string): string {
  const stock = readFileSync('/etc/nginx/nginx.conf', 'utf8');
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(dir, sub), { recursive: true });
  const conf = stock
    .replace(/^user .*$/m, '')
    .replace(/^pid .*$/m, `pid ${join(dir, 'nginx.pid')};`)
    .replace(/^error_log .*$/m, `error_log ${join(dir, 'error.log')};`)
    .replace(/^\s*access_log .*$/m, `access_log ${join(dir, 'access.log')};`)
    .replace(/^\s*include \/etc\/nginx\/conf\.d\/\*\.conf;$/m, '')
    .replace(
      /^\s*include \/etc\/nginx\/sites-enabled\/\*;$/m,
      [
        `client_body_temp_path ${join(dir, 'client_body')};`,
        `proxy_temp_path ${join(dir, 'proxy')};`,
        `fastcgi_temp_path ${join(dir, 'fastcgi')};`,
        `uwsgi_temp_path ${join(dir, 'uwsgi')};`,
        `scgi_temp_path ${join(dir, 'scgi')};`,
        `include ${site};`,
      ].join('\n'),
    );
  if (!conf.includes(`include ${site};`))
    throw new Error('/etc/nginx/nginx.conf has no sites-enabled include');
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  return path;
}

/** `nginx -t` on that configuration: what the bootstrap runs before it lets nginx load the site. */
export function nginxTest(dir: string, conf: string) {
  return spawnSync('nginx', ['-t', '-p', dir, '-c', conf, '-e', join(dir, 'error.log')], {
    encoding: 'utf8',
  });
}

/** Starts the real nginx in the foreground on that configuration; resolves once it listens on `port`. */
export async function startNginx(dir: string, conf: string, port: number): Promise<ChildProcess> {
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    if (await accepts(port)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`nginx did not listen on ${port}`);
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Debian's Chromium, headless, as every browser test drives it (playwright-core brings no browser of its own). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
