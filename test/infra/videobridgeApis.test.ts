import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BOOTSTRAP_FILES, renderUserData } from '../../infra/bootstrap/userData';
import { COMPONENT_SCRIPTS, componentDocument } from '../../infra/image/component';

/**
 * Issue 23 #4: the health check needs the videobridge's /about/health only, on by default
 * (videobridge.rest.health.enabled = true in jitsi-videobridge's reference.conf); the COLIBRI REST API
 * (videobridge.apis.rest, default off) must stay off. Checked in every text a meeting server or the image gets.
 */
/** `videobridge.apis.rest.enabled = true` in dotted or nested HOCON, or the old `--apis=rest` flag. */
const COLIBRI_REST = /apis\s*(\.|\{)\s*rest\s*(\.|\{)\s*enabled\s*[=:]\s*true|--apis=\S*rest/;

describe('the COLIBRI REST API stays off', () => {
  test.each([...BOOTSTRAP_FILES])('infra/bootstrap/%s does not turn it on', (name) => {
    expect(readFileSync(join(__dirname, '../../infra/bootstrap', name), 'utf8')).not.toMatch(COLIBRI_REST);
  });

  test.each(Object.entries(COMPONENT_SCRIPTS))('the image script %s does not turn it on', (_name, path) => {
    expect(readFileSync(path, 'utf8')).not.toMatch(COLIBRI_REST);
  });

  test('neither the user data (its gzipped archive unpacked) nor the image component document turns it on', () => {
    const userData = renderUserData({ maxLifetimeMinutes: 300, certificateSecretId: 'arn:secret' });
    const archive = /<<'MEETING_SCHEDULER_EOF' \| tar -xzm[^\n]*\n([\s\S]*?)\nMEETING_SCHEDULER_EOF/.exec(
      userData,
    );
    const tar = gunzipSync(Buffer.from(archive![1].replace(/\n/g, ''), 'base64')).toString('latin1');
    expect(tar).toContain('videobridge.http-servers.private.host = 127.0.0.1');
    expect(tar).not.toMatch(COLIBRI_REST);
    const doc = componentDocument({ jitsiMeet: '1', jitsiMeetWeb: '1', jicofo: '1', jitsiVideobridge: '1' });
    expect(doc).toContain('jitsi-configure.sh');
    expect(doc).not.toMatch(COLIBRI_REST);
  });
});
