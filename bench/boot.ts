/**
 * `npm run bench -- boot`: the configure-only boot of a baked image, measured with the real parts this machine
 * has. Each run is a fresh temporary root (test/support/configureRoot.ts): the bootstrap's certificate step
 * (install-certificate.sh, real openssl and jq), then infra/bootstrap/jitsi-configure.sh unchanged, with the
 * real nginx (`nginx -t`, start until it listens) and the real Prosody (`prosodyctl check config`, start until
 * it listens). Jitsi's own parts are not in Debian: their postinst and JVM services are fakes here and their
 * time is not in these figures (README "The baked image" says what is assumed for them). Printed, never asserted.
 */
import { performance } from 'node:perf_hooks';
import {
  installCertificate,
  makeConfigureRoot,
  prepareNginx,
  runConfigure,
  stepTimings,
  stopServices,
} from '../test/support/configureRoot';
import { fmtMs, scaled, summarize } from './stats';

const DOMAIN = 'meet.example.test';
const ROOM = '0123456789abcdef0123456789abcdef';

export async function benchBoot(scale: number): Promise<void> {
  const runs = scaled(30, scale, 5);
  console.log(
    `\n## boot: configure-only steps of a baked image, ${runs} runs (real nginx, Prosody, openssl)`,
  );
  const samples = new Map<string, number[]>();
  const add = (name: string, ms: number) => samples.set(name, [...(samples.get(name) ?? []), ms]);
  for (let i = 0; i < runs; i++) {
    const fqdn = `run-${i}.${DOMAIN}`;
    const root = await makeConfigureRoot(DOMAIN);
    try {
      prepareNginx(root, fqdn);
      let started = performance.now();
      const cert = installCertificate(root, fqdn);
      if (cert.status !== 0) throw new Error(`certificate step failed: ${cert.stderr}`);
      add('certificate install', performance.now() - started);
      started = performance.now();
      const run = runConfigure(root, fqdn, ROOM);
      if (run.status !== 0) throw new Error(`jitsi-configure.sh failed:\n${run.stderr}`);
      add('jitsi-configure.sh (whole)', performance.now() - started);
      for (const [step, ms] of Object.entries(stepTimings(run.stdout))) add(step, ms);
    } finally {
      stopServices(root);
    }
  }
  const total = (i: number) =>
    (samples.get('certificate install')?.[i] ?? 0) + (samples.get('jitsi-configure.sh (whole)')?.[i] ?? 0);
  samples.set(
    'certificate + configure (measured part of the boot)',
    Array.from({ length: runs }, (_, i) => total(i)),
  );
  console.log('| step | p50 | p99 | max | what runs for real here |');
  console.log('| --- | --- | --- | --- | --- |');
  const real: Record<string, string> = {
    'certificate install': 'openssl, jq (install-certificate.sh)',
    'jitsi-packages': 'fake: jitsi’s postinst (not in Debian)',
    'jitsi-settings': 'file writes',
    'render-site': 'render-template.sh',
    'nginx-t': 'nginx -t',
    'render-room-count': 'render-template.sh',
    'prosody-check': 'prosodyctl check config',
    'restart-prosody': 'Prosody 0.12 start until it listens',
    'restart-jicofo': 'fake: JVM service (not in Debian)',
    'restart-jitsi-videobridge2': 'fake: JVM service (not in Debian)',
    'restart-nginx': 'nginx start until it listens',
  };
  for (const [name, values] of samples) {
    const s = summarize(values);
    console.log(`| ${name} | ${fmtMs(s.p50)} | ${fmtMs(s.p99)} | ${fmtMs(s.max)} | ${real[name] ?? ''} |`);
  }
}
