import { Match, type Template } from 'aws-cdk-lib/assertions';
import { readAppConfig } from '../../infra/config';
import { actionsOf, CONTEXT, statementsOf, synth } from '../support/stackTemplate';

type Resource = { Properties: Record<string, unknown> };
type Fn = { Properties: { Environment?: { Variables?: Record<string, unknown> } } };

/** The lifecycle task functions' environments, by logical id. */
const lifecycleEnvironments = (t: Template) =>
  Object.entries(t.findResources('AWS::Lambda::Function'))
    .filter(([id]) => id.startsWith('Lifecycle'))
    .map(([id, fn]) => [id, (fn as Fn).Properties.Environment?.Variables ?? {}] as const);

/** Secrets a deleted deployment kept (its outputs), for the new one to take over. */
const RETAINED = {
  retainedCertificateSecretArn:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:meeting-scheduler-old-certificate-AbCdEf',
  retainedAccountSecretArn:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:meeting-scheduler-old-account-GhIjKl',
};

describe('wildcard certificate', () => {
  const template = synth().template!;
  // One synth for the non-default settings: staging, and the secrets of a deleted deployment to take over.
  const retained = synth({ acmeDirectory: 'staging', ...RETAINED }).template!;
  const certFunction = () => {
    const [id, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('CertificateRenewFunction'),
    )!;
    return { id, fn: fn as Resource };
  };
  const statements = () => statementsOf(template, 'CertificateRenewRole');
  const actions = actionsOf;

  test('two secrets created without a value (nothing for CloudFormation to write back): certificate, ACME account key', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    const ids = Object.keys(secrets);
    expect(ids).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CertificateSecret/),
        expect.stringMatching(/^CertificateAccountKey/),
      ]),
    );
    for (const id of ids.filter((i) => i.startsWith('Certificate')))
      expect((secrets[id] as Resource).Properties).toEqual({ Description: expect.any(String) });
  });

  test('the function: its configuration, production Let’s Encrypt by default', () => {
    expect(certFunction().fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Timeout: 600,
      Environment: {
        Variables: {
          JITSI_DOMAIN: 'meet.example.com',
          HOSTED_ZONE_ID: 'Z0123456789EXAMPLE',
          ACME_EMAIL: 'ops@example.com',
          ACME_DIRECTORY: 'production',
          CERTIFICATE_SECRET_ID: { Ref: expect.stringMatching(/^CertificateSecret/) },
          ACCOUNT_SECRET_ID: { Ref: expect.stringMatching(/^CertificateAccountKey/) },
        },
      },
    });
  });

  test('acmeDirectory context: staging reaches the function; anything else names the key', () => {
    const staging = retained;
    staging.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ACME_DIRECTORY: 'staging' }) },
    });
    // …and the health check, whose probe then trusts the staging roots too (issue 23 #1); no other task.
    const tasks = lifecycleEnvironments(staging);
    expect(tasks.map(([id, env]) => [id.startsWith('LifecycleHealthCheck'), env.ACME_DIRECTORY])).toEqual(
      expect.arrayContaining([
        [true, 'staging'],
        [false, undefined],
      ]),
    );
    expect(tasks.filter(([, env]) => env.ACME_DIRECTORY !== undefined).map(([id]) => id)).toEqual([
      expect.stringMatching(/^LifecycleHealthCheck/),
    ]);
    expect(() => readAppConfig((k) => ({ ...CONTEXT, acmeDirectory: 'prod' })[k])).toThrow(/acmeDirectory/);
  });

  test('production (the default): no task function is told ACME_DIRECTORY, so probes trust public roots only', () => {
    const tasks = lifecycleEnvironments(template);
    expect(tasks.length).toBeGreaterThanOrEqual(4);
    for (const [, env] of tasks) expect(env.ACME_DIRECTORY).toBeUndefined();
  });

  test('runs daily from an EventBridge schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [certFunction().id, 'Arn'] } })],
    });
  });

  test('Route 53: only the _acme-challenge TXT record of the zone; GetChange on change/*', () => {
    const change = statements().filter((s) => actions(s).includes('route53:ChangeResourceRecordSets'));
    expect(change).toHaveLength(1);
    expect(change[0]).toMatchObject({
      Action: 'route53:ChangeResourceRecordSets',
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::hostedzone/Z0123456789EXAMPLE']],
      },
      Condition: {
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['_acme-challenge.meet.example.com'],
          'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'],
          'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
        },
      },
    });
    const getChange = statements().find((s) => actions(s).includes('route53:GetChange'));
    expect(getChange?.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::change/*']],
    });
    expect(
      statements()
        .flatMap(actions)
        .filter((a) => a.startsWith('route53:')),
    ).toEqual(['route53:ChangeResourceRecordSets', 'route53:GetChange']);
  });

  test('only the certificate function can write the secrets', () => {
    const own = statements().filter((s) => actions(s).includes('secretsmanager:PutSecretValue'));
    expect(own.map((s) => s.Resource)).toEqual([
      { Ref: expect.stringMatching(/^CertificateSecret/) },
      { Ref: expect.stringMatching(/^CertificateAccountKey/) },
    ]);
    const writers = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, p]) =>
        JSON.stringify((p as Resource).Properties).match(/secretsmanager:(PutSecretValue|UpdateSecret|\*)/),
      )
      .map(([id]) => id);
    expect(writers).toEqual([expect.stringMatching(/^CertificateRenewRole/)]);
  });

  test('a custom resource runs the function at deploy time, again when the domain or CA changes', () => {
    const resources = Object.values(template.findResources('Custom::WildcardCertificate')) as Resource[];
    expect(resources).toHaveLength(1);
    expect(resources[0].Properties).toMatchObject({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^CertificateProviderframeworkonEvent/), 'Arn'] },
      domain: 'meet.example.com',
      directory: 'production',
    });
    // The provider framework's function calls the certificate function.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': [certFunction().id, 'Arn'] } },
      },
    });
  });

  test('alarms: any error; under 14 days left, missing data counting as breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: certFunction().id } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'MeetingScheduler/Certificate',
      MetricName: 'DaysUntilExpiry',
      Dimensions: [{ Name: 'Domain', Value: 'meet.example.com' }],
      Statistic: 'Minimum',
      Period: 86_400,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 14,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  test('alarms notify the stack’s alarm topic (alarm and OK), or alarmTopicArn when given', () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:ops-alerts';
    const certificateAlarms = (t: Template) =>
      (
        Object.entries(t.findResources('AWS::CloudWatch::Alarm')) as [
          string,
          { Properties: { AlarmActions?: unknown; OKActions?: unknown } },
        ][]
      ).filter(([id]) => id.startsWith('Certificate'));
    const given = certificateAlarms(synth({ alarmTopicArn: topic }).template!);
    expect(given).toHaveLength(2);
    for (const [, alarm] of given) {
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
      expect(alarm.Properties.OKActions).toEqual([topic]);
    }
    const own = certificateAlarms(template);
    expect(own).toHaveLength(2);
    for (const [, alarm] of own) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    }
    expect(() => synth({ alarmTopicArn: 'ops-alerts' })).toThrow(/alarmTopicArn/);
  });

  test('both secrets are outputs, for the operators (and for a later deployment to take over)', () => {
    template.hasOutput('CertificateSecretArn', {
      Value: { Ref: Match.stringLikeRegexp('^CertificateSecret') },
    });
    template.hasOutput('AccountSecretArn', {
      Value: { Ref: Match.stringLikeRegexp('^CertificateAccountKey') },
    });
  });

  test('both secrets survive the stack: retained on delete and on replacement (issue 23 #3)', () => {
    const secrets = Object.entries(template.findResources('AWS::SecretsManager::Secret')).filter(([id]) =>
      id.startsWith('Certificate'),
    );
    expect(secrets).toHaveLength(2);
    for (const [, secret] of secrets)
      expect(secret).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('retained secrets of a deleted deployment: named to the function, readable, never writable', () => {
    const env = (
      Object.entries(retained.findResources('AWS::Lambda::Function')).find(([id]) =>
        id.startsWith('CertificateRenewFunction'),
      )![1] as Fn
    ).Properties.Environment!.Variables!;
    expect(env).toMatchObject({
      PREVIOUS_CERTIFICATE_SECRET_ID: RETAINED.retainedCertificateSecretArn,
      PREVIOUS_ACCOUNT_SECRET_ID: RETAINED.retainedAccountSecretArn,
    });
    const onRetained = statementsOf(retained, 'CertificateRenewRole').filter((s) =>
      JSON.stringify(s.Resource).includes(':secret:meeting-scheduler-old'),
    );
    expect(onRetained).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:GetSecretValue',
        Resource: [RETAINED.retainedCertificateSecretArn, RETAINED.retainedAccountSecretArn],
      }),
    ]);
    // Without them, nothing of the kind.
    expect(certFunction().fn.Properties).not.toHaveProperty(
      'Environment.Variables.PREVIOUS_CERTIFICATE_SECRET_ID',
    );
    expect(() =>
      readAppConfig((k) => ({ ...CONTEXT, retainedCertificateSecretArn: 'old-certificate' })[k]),
    ).toThrow(/retainedCertificateSecretArn/);
  });

  test('cdk-nag AwsSolutions: nothing unacknowledged in the certificate constructs (with retained secrets)', () => {
    const { app } = synth(RETAINED, true);
    expect(() => app.synth()).not.toThrow();
  });
});
