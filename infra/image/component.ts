import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scalar, stringify } from 'yaml';

/** Where the component leaves its scripts on the image (the test phase runs them again from there). */
export const IMAGE_SCRIPTS_DIR = '/opt/meeting-scheduler/image';

/** The scripts the component runs, each a file of its own (shellchecked by test/infra/jitsiImage.test.ts). */
export const COMPONENT_SCRIPTS = {
  'bake-jitsi.sh': join(__dirname, 'bake-jitsi.sh'),
  'verify-jitsi.sh': join(__dirname, 'verify-jitsi.sh'),
  // The same bounded wait for apt's locks the apt fallback uses: the build instance boots fresh too.
  'wait-apt-locks.sh': join(__dirname, '..', 'bootstrap', 'wait-apt-locks.sh'),
} as const;

/** Image Builder refuses a component document over 16,000 characters (CreateComponent `data`). */
export const COMPONENT_DATA_LIMIT = 16_000;

export interface JitsiVersions {
  jitsiMeet: string;
  jitsiMeetWeb: string;
  jicofo: string;
  jitsiVideobridge: string;
}

const HEREDOC = 'MEETING_SCHEDULER_EOF';

/** The scripts' environment: the pinned versions, quoted for bash (zod already allowed only [A-Za-z0-9.+~-]). */
function versionExports(v: JitsiVersions): string {
  return [
    `export JITSI_MEET_VERSION='${v.jitsiMeet}'`,
    `export JITSI_MEET_WEB_VERSION='${v.jitsiMeetWeb}'`,
    `export JICOFO_VERSION='${v.jicofo}'`,
    `export JITSI_VIDEOBRIDGE_VERSION='${v.jitsiVideobridge}'`,
  ].join('\n');
}

/**
 * The AWSTOE component document (YAML, schemaVersion 1.0): build writes the scripts and bakes, validate checks
 * the build instance, test checks an instance launched from the new image
 * (https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-use-documents.html). Every step is
 * ExecuteBash; the scripts travel inside the document as quoted heredocs, so the image needs no S3 access.
 */
export function componentDocument(
  versions: JitsiVersions,
  scripts: Record<string, string> = COMPONENT_SCRIPTS,
): string {
  const place = Object.entries(scripts).map(([name, path]) => {
    const text = readFileSync(path, 'utf8');
    if (text.includes(HEREDOC)) throw new Error(`${name} contains the heredoc delimiter ${HEREDOC}`);
    // AWSTOE substitutes {{ variables }} in commands before bash sees them.
    if (text.includes('{{')) throw new Error(`${name} contains "{{", which AWSTOE would substitute`);
    return `cat >${IMAGE_SCRIPTS_DIR}/${name} <<'${HEREDOC}'\n${text}${HEREDOC}`;
  });
  const bash = (name: string, script: string) => ({
    name,
    action: 'ExecuteBash',
    inputs: { commands: [`set -euo pipefail\n${script}\n`] },
  });
  const run = (script: string) => `${versionExports(versions)}\n${IMAGE_SCRIPTS_DIR}/${script}`;
  // 1.0 printed as such: the schema's version is written `1.0`, and YAML would print the number 1 as `1`.
  const schemaVersion = new Scalar(1);
  schemaVersion.minFractionDigits = 1;
  const document = {
    name: 'meeting-scheduler-jitsi',
    description:
      'Jitsi Meet at pinned versions, unpacked for a configure-only boot; apt periodic jobs off (meeting-scheduler).',
    schemaVersion,
    phases: [
      {
        name: 'build',
        steps: [
          bash(
            'PlaceScripts',
            [
              `install -d -m 0755 ${IMAGE_SCRIPTS_DIR}`,
              ...place,
              `chmod 0755 ${IMAGE_SCRIPTS_DIR}/*.sh`,
            ].join('\n'),
          ),
          bash('BakeJitsi', run('bake-jitsi.sh')),
        ],
      },
      { name: 'validate', steps: [bash('VerifyBakedImage', run('verify-jitsi.sh'))] },
      { name: 'test', steps: [bash('VerifyLaunchedImage', run('verify-jitsi.sh'))] },
    ],
  };
  const text = stringify(document, { lineWidth: 0 });
  if (text.length > COMPONENT_DATA_LIMIT)
    throw new Error(
      `the component document is ${text.length} characters; Image Builder takes ${COMPONENT_DATA_LIMIT}`,
    );
  return text;
}

/**
 * Components and recipes cannot change in place (name and version identify them): a new name for every new
 * document and Jitsi set, so CloudFormation replaces them. 8 hex digits of the content.
 */
export function contentTag(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 8);
}
