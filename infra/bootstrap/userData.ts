import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Where the bootstrap's own files live on a meeting server. */
export const BOOTSTRAP_DIR = '/opt/meeting-scheduler';
const HERE = __dirname;

/**
 * Files of ours the server needs, written to BOOTSTRAP_DIR before the bootstrap runs. Each is a file in this
 * folder, checked on its own by the tests (shellcheck, nginx -t, prosody), and shipped unchanged.
 */
export const BOOTSTRAP_FILES = [
  'jitsi-bootstrap.sh',
  'jitsi-configure.sh',
  'wait-apt-locks.sh',
  'render-template.sh',
  'jitsi-site.nginx.conf',
  'jicofo.conf',
  'install-certificate.sh',
  'prosody-room-count.cfg.lua',
] as const;

/** EC2 refuses user data over 16 KB (before base64). */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;
const EOF_MARK = 'MEETING_SCHEDULER_EOF';

export interface BootstrapSettings {
  /** The server shuts itself down (and so terminates) after this long, whatever the control plane does. */
  maxLifetimeMinutes: number;
  /** Secrets Manager secret holding the wildcard certificate (an ARN token at synth time is fine). */
  certificateSecretId: string;
}

/**
 * The launch template's user data: unpacks the bootstrap files and writes their settings, then runs the
 * bootstrap. Settings go into an env file instead of being spliced into the script, so the script stays plain
 * bash.
 */
export function renderUserData(settings: BootstrapSettings, dir = HERE): string {
  // One gzipped tar of every file, base64: one compression dictionary for all of them keeps the user data
  // under EC2's 16 KB (gzipped one by one, the files alone came to 16.9 KB).
  const archive = gzipSync(
    tarOf(BOOTSTRAP_FILES.map((name) => ({ name, data: readFileSync(join(dir, name)) }))),
    {
      level: 9,
    },
  ).toString('base64');
  const lines = archive.match(/.{1,76}/g) ?? [];
  const env = {
    MAX_LIFETIME_MINUTES: String(settings.maxLifetimeMinutes),
    CERTIFICATE_SECRET_ID: settings.certificateSecretId,
  };
  const envLines = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  const userData = [
    '#!/bin/bash',
    'set -euo pipefail',
    `install -d -m 0755 ${BOOTSTRAP_DIR}`,
    // -m: the archive's fixed timestamp is not the files' time on the server.
    `base64 -d <<'${EOF_MARK}' | tar -xzm -C ${BOOTSTRAP_DIR}\n${lines.join('\n')}\n${EOF_MARK}`,
    `cat >${BOOTSTRAP_DIR}/settings.env <<'${EOF_MARK}'\n${envLines.join('\n')}\n${EOF_MARK}`,
    `chmod 0755 ${BOOTSTRAP_DIR}/*.sh`,
    `exec ${BOOTSTRAP_DIR}/jitsi-bootstrap.sh`,
    '',
  ].join('\n');
  return userData;
}

/**
 * A POSIX ustar archive of plain files (names under 100 bytes), as GNU tar reads it: a 512-byte header per
 * file, the data padded to 512 bytes, two zero blocks at the end. Fixed owner and time, so the same files
 * always give the same user data (and the launch template changes only when a file does).
 */
export function tarOf(files: { name: string; data: Buffer }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { name, data } of files) {
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) =>
      header.write(value, offset, length, 'ascii');
    const octal = (offset: number, length: number, value: number) =>
      field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
    if (Buffer.byteLength(name) >= 100) throw new Error(`tar: name too long: ${name}`);
    field(0, 100, name);
    octal(100, 8, 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, data.length);
    octal(136, 12, 0);
    field(148, 8, ' '.repeat(8)); // the checksum is computed with its own field as spaces
    field(156, 1, '0');
    field(257, 8, 'ustar\x0000');
    const checksum = header.reduce((sum, byte) => sum + byte, 0);
    field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
