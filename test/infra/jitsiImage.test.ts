import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parse } from 'yaml';
import { readAppConfig } from '../../infra/config';
import { COMPONENT_DATA_LIMIT, COMPONENT_SCRIPTS, componentDocument } from '../../infra/image/component';
import { BAKED_IMAGE_TAG_KEY, JitsiImage } from '../../infra/constructs/jitsiImage';
import { UBUNTU_AMI_PARAMETER } from '../../infra/constructs/jitsiFleet';
import { tempDir } from '../support/realParts';
import { CONTEXT } from '../support/stackTemplate';

const VERSIONS = {
  jitsiMeet: '2.0.5963-1',
  jitsiMeetWeb: '1.0.5056-1',
  jicofo: '1.0-756-1',
  jitsiVideobridge: '2.1-508-gb24f756c-1',
};

interface Step {
  name: string;
  action: string;
  inputs: { commands: string[] };
}
interface ComponentDoc {
  name: string;
  description: string;
  schemaVersion: number;
  phases: { name: string; steps: Step[] }[];
}

describe('the image component document (infra/image/component.ts)', () => {
  const text = componentDocument(VERSIONS);
  const doc = parse(text) as ComponentDoc;

  test('is YAML in AWSTOE’s schema: name, schemaVersion 1.0, build/validate/test phases of ExecuteBash steps', () => {
    expect(Object.keys(doc).sort()).toEqual(['description', 'name', 'phases', 'schemaVersion']);
    expect(doc.name).toMatch(/^[A-Za-z0-9-]+$/);
    expect(text).toMatch(/^schemaVersion: 1\.0$/m);
    expect(doc.phases.map((p) => p.name)).toEqual(['build', 'validate', 'test']);
    for (const phase of doc.phases) {
      const names = phase.steps.map((s) => s.name);
      expect(new Set(names).size).toBe(names.length); // step names are unique within a phase
      for (const step of phase.steps) {
        expect(Object.keys(step).sort()).toEqual(['action', 'inputs', 'name']);
        expect(step.name).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
        expect(step.action).toBe('ExecuteBash');
        expect(step.inputs.commands).toHaveLength(1);
      }
    }
    expect(text.length).toBeLessThan(COMPONENT_DATA_LIMIT);
  });

  test('each step is valid bash; the scripts it writes are the files, unchanged, and the versions are pinned', () => {
    const steps = doc.phases.flatMap((p) => p.steps);
    for (const step of steps) {
      const check = spawnSync('bash', ['-n'], { input: step.inputs.commands[0], encoding: 'utf8' });
      expect({ step: step.name, stderr: check.stderr, status: check.status }).toEqual({
        step: step.name,
        stderr: '',
        status: 0,
      });
    }
    // Run the PlaceScripts step into a temporary folder: it must write each script byte for byte.
    const dir = tempDir('component');
    const place = steps.find((s) => s.name === 'PlaceScripts')!.inputs.commands[0];
    const run = spawnSync('bash', ['-c', place.replaceAll('/opt/meeting-scheduler/image', dir)], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const [name, path] of Object.entries(COMPONENT_SCRIPTS)) {
      expect(spawnSync('cmp', [join(dir, name), path]).status).toBe(0);
      expect(spawnSync('test', ['-x', join(dir, name)]).status).toBe(0);
    }
    const bake = steps.find((s) => s.name === 'BakeJitsi')!.inputs.commands[0];
    expect(bake).toContain("export JITSI_MEET_VERSION='2.0.5963-1'");
    expect(bake).toContain("export JICOFO_VERSION='1.0-756-1'");
    expect(bake.trimEnd().split('\n').pop()).toBe('/opt/meeting-scheduler/image/bake-jitsi.sh');
    for (const phase of ['validate', 'test'])
      expect(doc.phases.find((p) => p.name === phase)!.steps[0].inputs.commands[0]).toMatch(
        /verify-jitsi\.sh\n$/,
      );
  });

  test('every script it runs passes shellcheck', () => {
    const res = spawnSync('shellcheck', ['--severity=style', ...Object.values(COMPONENT_SCRIPTS)], {
      encoding: 'utf8',
    });
    expect(res.error).toBeUndefined();
    expect(res.stdout).toBe('');
    expect(res.status).toBe(0);
  });

  test('the bake unpacks jitsi’s own packages (configured at boot) and turns apt’s periodic jobs off', () => {
    const bake = doc.phases[0].steps[0].inputs.commands[0];
    expect(bake).toContain('dpkg --unpack "${own_debs[@]}"');
    expect(bake).toContain('systemctl disable --now apt-daily.timer apt-daily-upgrade.timer');
    expect(bake).toContain('apt_get purge -y unattended-upgrades');
    expect(bake).toContain('APT::Periodic::Unattended-Upgrade "0";');
    // The marker the bootstrap's baked path looks for.
    expect(bake).toContain('marker=/etc/meeting-scheduler/baked-image');
  });

  test('refuses a script AWSTOE would alter ({{ }}) or a version outside the pinned format', () => {
    const dir = tempDir('component-bad');
    const script = join(dir, 'bad.sh');
    writeFileSync(script, 'echo "{{ build.x }}"\n');
    expect(() => componentDocument(VERSIONS, { 'bad.sh': script })).toThrow(/bad\.sh contains "\{\{"/);
    writeFileSync(script, "cat <<'MEETING_SCHEDULER_EOF'\nMEETING_SCHEDULER_EOF\n");
    expect(() => componentDocument(VERSIONS, { 'bad.sh': script })).toThrow(/heredoc delimiter/);
    expect(() =>
      readAppConfig(
        (k) => ({ ...CONTEXT, jicofoVersion: "1.0-756-1'; rm -rf /" })[k as keyof typeof CONTEXT],
      ),
    ).toThrow(/jicofoVersion/);
  });
});

describe('JitsiImage (the pipeline) on a fresh stack', () => {
  const stack = new Stack();
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
  });
  const topic = new sns.Topic(stack, 'Alarms');
  new JitsiImage(stack, 'Image', {
    appName: 'meeting-scheduler',
    versions: VERSIONS,
    schedule: 'cron(0 3 ? * SUN *)',
    imagesKept: 3,
    vpc,
    parentImageParameter: UBUNTU_AMI_PARAMETER,
    fallbackImageId: 'ami-0123456789abcdef0',
    imageParameterName: '/meeting-scheduler/jitsi-image-id',
    alarmTopic: topic,
  });
  const template = Template.fromStack(stack);
  const tags = { [BAKED_IMAGE_TAG_KEY]: 'meeting-scheduler' };

  test('recipe: the component on Canonical’s Ubuntu 22.04 parameter, encrypted gp3 root', () => {
    template.hasResourceProperties('AWS::ImageBuilder::Component', {
      Platform: 'Linux',
      Data: componentDocument(VERSIONS),
      Name: Match.stringLikeRegexp('^meeting-scheduler-jitsi-[0-9a-f]{8}$'),
    });
    template.hasResourceProperties('AWS::ImageBuilder::ImageRecipe', {
      ParentImage: `ssm:${UBUNTU_AMI_PARAMETER}`,
      Components: [{ ComponentArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ImageComponent'), 'Arn'] } }],
      BlockDeviceMappings: [
        Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true, VolumeType: 'gp3' }) }),
      ],
    });
  });

  test('new Jitsi versions give the component and recipe new names (they cannot change in place)', () => {
    const other = new Stack();
    new JitsiImage(other, 'Image', {
      appName: 'meeting-scheduler',
      versions: { ...VERSIONS, jicofo: '1.0-757-1' },
      schedule: 'cron(0 3 ? * SUN *)',
      imagesKept: 3,
      vpc: new ec2.Vpc(other, 'Vpc', {
        natGateways: 0,
        subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }],
      }),
      parentImageParameter: UBUNTU_AMI_PARAMETER,
      fallbackImageId: 'ami-0123456789abcdef0',
      imageParameterName: '/meeting-scheduler/jitsi-image-id',
      alarmTopic: new sns.Topic(other, 'Alarms'),
    });
    const name = (t: Template) =>
      (
        Object.values(t.findResources('AWS::ImageBuilder::ImageRecipe'))[0] as {
          Properties: { Name: string };
        }
      ).Properties.Name;
    expect(name(Template.fromStack(other))).not.toBe(name(template));
  });

  test('pipeline: on the schedule whatever Image Builder sees changed, tests on, images tagged', () => {
    template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', {
      Schedule: {
        ScheduleExpression: 'cron(0 3 ? * SUN *)',
        PipelineExecutionStartCondition: 'EXPRESSION_MATCH_ONLY',
      },
      ImageTestsConfiguration: { ImageTestsEnabled: true, TimeoutMinutes: 60 },
      ImageTags: tags,
      Status: 'ENABLED',
    });
  });

  test('distribution: each new AMI tagged and published to the launch parameter (aws:ec2:image)', () => {
    template.hasResourceProperties('AWS::ImageBuilder::DistributionConfiguration', {
      Distributions: [
        {
          Region: { Ref: 'AWS::Region' },
          AmiDistributionConfiguration: {
            Name: 'meeting-scheduler-jitsi-{{ imagebuilder:buildDate }}',
            AmiTags: tags,
          },
          SsmParameterConfigurations: [
            { ParameterName: '/meeting-scheduler/jitsi-image-id', DataType: 'aws:ec2:image' },
          ],
        },
      ],
    });
  });

  test('the parameter is seeded with the stock image once, never overwritten by a later deploy', () => {
    const seed = Object.values(template.findResources('Custom::AWS'))[0] as {
      Properties: { Create: string; Update?: string; Delete: string };
    };
    const create = JSON.parse(seed.Properties.Create) as {
      action: string;
      parameters: Record<string, unknown>;
      ignoreErrorCodesMatching: string;
    };
    expect(create).toMatchObject({
      action: 'putParameter',
      parameters: {
        Name: '/meeting-scheduler/jitsi-image-id',
        Value: 'ami-0123456789abcdef0',
        DataType: 'aws:ec2:image',
        Overwrite: false,
      },
      ignoreErrorCodesMatching: 'ParameterAlreadyExists',
    });
    expect(seed.Properties.Update).toBeUndefined();
  });

  test('lifecycle policy: keeps the newest 3 of the pipeline’s images, deleting older AMIs and snapshots', () => {
    template.hasResourceProperties('AWS::ImageBuilder::LifecyclePolicy', {
      ResourceType: 'AMI_IMAGE',
      PolicyDetails: [
        {
          Action: { Type: 'DELETE', IncludeResources: { Amis: true, Snapshots: true } },
          Filter: { Type: 'COUNT', Value: 3 },
        },
      ],
      ResourceSelection: { TagMap: tags },
    });
  });

  test('build instances: outbound-only security group, IMDSv2, terminated on failure, never tagged `app`', () => {
    template.hasResourceProperties('AWS::ImageBuilder::InfrastructureConfiguration', {
      TerminateInstanceOnFailure: true,
      InstanceMetadataOptions: { HttpTokens: 'required' },
      ResourceTags: Match.absent(),
    });
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    const build = Object.entries(groups).find(([id]) => id.startsWith('ImageBuildSecurityGroup'))![1] as {
      Properties: { SecurityGroupIngress?: unknown };
    };
    expect(build.Properties.SecurityGroupIngress).toBeUndefined();
  });

  test('a failed build raises an alarm that notifies the alarm topic (and again when OK)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.imagebuilder'],
        'detail-type': ['EC2 Image Builder Image State Change'],
        detail: { state: { status: ['FAILED'] } },
        resources: [{ prefix: Match.anyValue() }],
      },
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ImageFailedBuilds'), 'Arn'] } }),
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: Match.stringLikeRegexp('^ImageBuildFailedRule') } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
    });
    // EventBridge may write to that log group (its resource policy, joined into a JSON string by CloudFormation).
    const policy = JSON.stringify(
      Object.values(template.findResources('AWS::Logs::ResourcePolicy'))[0] as { Properties: unknown },
    );
    expect(policy).toContain('\\"Service\\":[\\"events.amazonaws.com\\",\\"delivery.logs.amazonaws.com\\"]');
    expect(policy).toContain('logs:PutLogEvents');
  });
});
