import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** What a deployer runs first: `npx cdk synth`, offline, without AWS credentials, bundling with esbuild. */
test('npx cdk synth works offline and writes the whole template', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: '',
    CDK_DISABLE_VERSION_CHECK: '1',
  };
  await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--output', out], {
    cwd: join(__dirname, '../..'),
    env,
    timeout: 240_000,
  });
  const template = JSON.parse(readFileSync(join(out, 'MeetingScheduler.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string }>;
  };
  const types = Object.values(template.Resources).map((r) => r.Type);
  for (const type of [
    'AWS::DynamoDB::Table',
    'AWS::StepFunctions::StateMachine',
    'AWS::ApiGatewayV2::Api',
    'AWS::EC2::LaunchTemplate',
    'AWS::EC2::SecurityGroup',
    'AWS::Events::Rule',
    // Operating it: the alarms, their topic and the dashboard.
    'AWS::CloudWatch::Alarm',
    'AWS::CloudWatch::Dashboard',
    'AWS::SNS::Topic',
    // The baked image's pipeline.
    'AWS::ImageBuilder::ImagePipeline',
    'AWS::ImageBuilder::LifecyclePolicy',
  ]) {
    expect(types).toContain(type);
  }
  // API, four tasks, sweeper, certificate, the custom-resources Provider framework's function, and the function
  // CDK's AwsCustomResource uses (it seeds the image parameter once).
  expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(9);
}, 300_000);
