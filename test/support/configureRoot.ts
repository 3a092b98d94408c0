import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOOTSTRAP_DIR, freePort, makeCertificate, nginxConfFor, tempDir } from './realParts';

export const CONFIGURE = join(BOOTSTRAP_DIR, 'jitsi-configure.sh');
const INSTALL_CERTIFICATE = join(BOOTSTRAP_DIR, 'install-certificate.sh');
const PROSODY_FIXTURES = join(__dirname, '..', 'fixtures', 'prosody');

/**
 * A temporary root where infra/bootstrap/jitsi-configure.sh runs unchanged against the real Debian nginx and
 * Prosody. Fakes on PATH stand in only for what Debian lacks or what needs a whole machine:
 *  - `dpkg --configure --pending` plays jitsi's postinst scripts: from the hostname the script gave debconf, it
 *    writes what they would (Prosody's host file, modelled on jitsi's example as the Prosody test does,
 *    config.js, jvb.conf, jicofo.conf);
 *  - `systemctl restart` starts the real nginx (daemon, as systemd's unit does) and the real Prosody, and returns
 *    once each listens; Jicofo and the videobridge (JVM services, not in Debian) are only recorded;
 *  - `nginx` and `prosodyctl` are the real binaries pointed at this root's configuration.
 */
export interface ConfigureRoot {
  dir: string;
  /** ETC_DIR of the script: jitsi/, nginx/, prosody/ below it. */
  etc: string;
  tlsDir: string;
  httpsPort: number;
  prosodyHttpPort: number;
  /** The test's own CA (the certificate is self-signed), for the HTTPS probe. */
  caPem: string;
  env: NodeJS.ProcessEnv;
}

const FAKES: Record<string, string> = {
  'debconf-set-selections': 'cat >>"$FAKE_ROOT/debconf"',
  dpkg: `
echo "$*" >>"$FAKE_ROOT/dpkg.log"
[ "$*" = '--configure --pending' ] || exit 0
host=$(sed -n 's/^jitsi-videobridge2 jitsi-videobridge\\/jvb-hostname string //p' "$FAKE_ROOT/debconf" | tail -n1)
[ -n "$host" ] || { echo 'fake jitsi postinst: no hostname in debconf' >&2; exit 1; }
sed "s/@@FQDN@@/$host/g" "$FAKE_JITSI_HOST" >"$ETC_DIR/prosody/conf.d/$host.cfg.lua"
echo "var config = { hosts: { domain: '$host' } };" >"$ETC_DIR/jitsi/meet/$host-config.js"
echo 'videobridge {}' >"$ETC_DIR/jitsi/videobridge/jvb.conf"
echo 'jicofo {}' >"$ETC_DIR/jitsi/jicofo/jicofo.conf"`,
  nginx: 'exec /usr/sbin/nginx -p "$FAKE_ROOT" -c "$FAKE_ROOT/nginx.conf" -e "$FAKE_ROOT/error.log" "$@"',
  prosodyctl: 'exec /usr/bin/prosodyctl --config "$ETC_DIR/prosody/prosody.cfg.lua" "$@"',
  journalctl: 'exit 0',
  systemctl: `
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { for _ in $(seq 200); do listening "$1" && return 0; sleep 0.05; done; return 1; }
stop_pid() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null && while kill -0 "$(cat "$1")" 2>/dev/null; do sleep 0.02; done; rm -f "$1"; }
case "$1 $2" in
  'cat coturn') exit 1 ;; # not installed here
  'restart nginx') stop_pid "$FAKE_ROOT/nginx.pid"; nginx && wait_for "$HTTPS_PORT" ;;
  'restart prosody')
    stop_pid "$FAKE_ROOT/prosody-run/prosody.pid"
    /usr/bin/prosody --config "$ETC_DIR/prosody/prosody.cfg.lua" -D && wait_for "$PROSODY_HTTP_PORT" ;;
  restart\\ *) echo "$2" >>"$FAKE_ROOT/restarted" ;; # Jicofo and the videobridge: JVM services, not in Debian
  *) echo "fake systemctl: $*" >&2; exit 1 ;;
esac`,
};

export async function makeConfigureRoot(domain: string): Promise<ConfigureRoot> {
  const dir = tempDir('configure');
  chmodSync(dir, 0o755); // nginx's workers run as an unprivileged user when the tests run as root
  const etc = join(dir, 'etc');
  for (const sub of [
    'jitsi/meet',
    'jitsi/videobridge',
    'jitsi/jicofo',
    'nginx/sites-available',
    'prosody/conf.d',
  ])
    mkdirSync(join(etc, sub), { recursive: true });
  mkdirSync(join(dir, 'prosody-run', 'data'), { recursive: true });
  const web = join(dir, 'web');
  mkdirSync(join(web, 'static'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>jitsi</title>');
  writeFileSync(join(web, 'static', '404.html'), 'not here');

  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [name, body] of Object.entries(FAKES)) {
    writeFileSync(join(bin, name), `#!/bin/bash\nset -euo pipefail\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const [httpsPort, c2sPort, prosodyHttpPort] = [await freePort(), await freePort(), await freePort()];
  const prosodyConfig = readFileSync(join(PROSODY_FIXTURES, 'prosody.cfg.lua'), 'utf8')
    .replaceAll('@@DIR@@', join(dir, 'prosody-run'))
    .replaceAll('@@PLUGINS@@', PROSODY_FIXTURES)
    .replaceAll('@@C2S_PORT@@', String(c2sPort))
    .replaceAll('@@HTTP_PORT@@', String(prosodyHttpPort));
  writeFileSync(join(etc, 'prosody', 'prosody.cfg.lua'), prosodyConfig);

  const tlsDir = join(dir, 'tls');
  const cert = makeCertificate(dir, [`*.${domain}`], 30, 'wildcard');
  return {
    dir,
    etc,
    tlsDir,
    httpsPort,
    prosodyHttpPort,
    caPem: cert.pem,
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_ROOT: dir,
      FAKE_JITSI_HOST: join(PROSODY_FIXTURES, 'jitsi-host.cfg.lua'),
      ETC_DIR: etc,
      WEB_ROOT: web,
      HTTPS_PORT: String(httpsPort),
      PROSODY_HTTP_PORT: String(prosodyHttpPort),
      CERTIFICATE_SECRET_JSON: JSON.stringify({
        certificate: cert.pem,
        privateKey: readFileSync(cert.key, 'utf8'),
        notAfter: 'unused by the script',
        domain: `*.${domain}`,
      }),
    },
  };
}

/** The nginx.conf the fake nginx reads: Debian's stock one including the site the script writes for `fqdn`. */
export function prepareNginx(root: ConfigureRoot, fqdn: string): void {
  nginxConfFor(root.dir, join(root.etc, 'nginx', 'sites-available', `${fqdn}.conf`));
}

/** The bootstrap's certificate step, as it runs it: the secret's value on stdin, 12 h of validity required. */
export function installCertificate(root: ConfigureRoot, fqdn: string): SpawnSyncReturns<string> {
  return spawnSync(INSTALL_CERTIFICATE, [fqdn, root.tlsDir, String(12 * 3600)], {
    input: root.env.CERTIFICATE_SECRET_JSON,
    encoding: 'utf8',
  });
}

export function runConfigure(
  root: ConfigureRoot,
  fqdn: string,
  room: string,
  env: NodeJS.ProcessEnv = {},
  flags: string[] = [],
) {
  return spawnSync(CONFIGURE, [...flags, fqdn, room, root.tlsDir], {
    env: { ...root.env, ...env },
    encoding: 'utf8',
  });
}

/** The "configure step <name>: <ms> ms" lines the script prints, by step. */
export function stepTimings(stdout: string): Record<string, number> {
  return Object.fromEntries(
    [...stdout.matchAll(/^configure step ([\w-]+): (\d+) ms$/gm)].map((m) => [m[1], Number(m[2])]),
  );
}

/** Stops the nginx and Prosody the fake systemctl started. */
export function stopServices(root: ConfigureRoot): void {
  for (const pidFile of [join(root.dir, 'nginx.pid'), join(root.dir, 'prosody-run', 'prosody.pid')]) {
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
