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
 * The launch template's user data: writes the bootstrap files and their settings, then runs the bootstrap.
 * Settings go into an env file instead of being spliced into the script, so the script stays plain bash.
 */
export function renderUserData(settings: BootstrapSettings, dir = HERE): string {
  // gzip + base64: the files as text would not fit EC2's 16 KB limit (the nginx site alone is 7 KB).
  const files = BOOTSTRAP_FILES.map((name) => {
    const packed = gzipSync(readFileSync(join(dir, name)), { level: 9 }).toString('base64');
    const lines = packed.match(/.{1,76}/g) ?? [];
    return `base64 -d <<'${EOF_MARK}' | gunzip >${BOOTSTRAP_DIR}/${name}\n${lines.join('\n')}\n${EOF_MARK}`;
  });
  const env = {
    MAX_LIFETIME_MINUTES: String(settings.maxLifetimeMinutes),
    CERTIFICATE_SECRET_ID: settings.certificateSecretId,
  };
  const envLines = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  const userData = [
    '#!/bin/bash',
    'set -euo pipefail',
    `install -d -m 0755 ${BOOTSTRAP_DIR}`,
    ...files,
    `cat >${BOOTSTRAP_DIR}/settings.env <<'${EOF_MARK}'\n${envLines.join('\n')}\n${EOF_MARK}`,
    `chmod 0755 ${BOOTSTRAP_DIR}/*.sh`,
    `exec ${BOOTSTRAP_DIR}/jitsi-bootstrap.sh`,
    '',
  ].join('\n');
  return userData;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
