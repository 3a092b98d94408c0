import { Aws, type CfnElement, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DAYS_LEFT_METRIC, METRIC_NAMESPACE } from '../../functions/certificate/metric';
import { acknowledge } from './acknowledge';
import { TaskFunction } from './taskFunction';

export interface WildcardCertificateProps {
  jitsiDomain: string;
  hostedZoneId: string;
  /** The ACME account's contact. */
  acmeEmail: string;
  /** Let's Encrypt production or staging (https://letsencrypt.org/docs/staging-environment/). */
  acmeDirectory: 'production' | 'staging';
  logRetention: logs.RetentionDays;
  /** The expiry alarm fires when fewer days than this remain (renewal starts at 30). */
  alarmDaysLeft?: number;
  /** Where both alarms notify (alarm and back to OK); without it they show in the CloudWatch console only. */
  alarmTopic?: sns.ITopic;
  /**
   * The secrets of a deleted deployment (both are retained with the stack): read, never written, while this
   * deployment's own are empty, so its certificate and ACME account are taken over instead of made again.
   */
  retainedCertificateSecretArn?: string;
  retainedAccountSecretArn?: string;
}

/**
 * One Let's Encrypt certificate for `*.<jitsiDomain>`, shared by every meeting server, issued at deploy time
 * and renewed by a daily function over DNS-01: a certificate per server would hit Let's Encrypt's 50
 * certificates per registered domain per week (https://letsencrypt.org/docs/rate-limits/).
 * `secret` holds `{certificate, privateKey, notAfter, domain}`; grant the instance role read of it.
 */
export class WildcardCertificate extends Construct {
  /** The certificate: JSON `{certificate, privateKey, notAfter, domain, directoryUrl}`. */
  readonly secret: secretsmanager.Secret;
  /** The ACME account key, created by the function on its first run and reused after. */
  readonly accountSecret: secretsmanager.Secret;
  readonly fn: TaskFunction;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly expiryAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WildcardCertificateProps) {
    super(scope, id);
    // Created with no value at all: CloudFormation then has none to write back on a later update of the
    // resource (it re-sends SecretString/GenerateSecretString on in-place updates), so only the function ever
    // writes them. A secret without a version answers ResourceNotFoundException, which the function reads as
    // "nothing yet". CDK would otherwise add `GenerateSecretString: {}`, a random password.
    const emptySecret = (secretId: string, description: string) => {
      const secret = new secretsmanager.Secret(this, secretId, {
        description,
        // Kept when the stack is deleted: a certificate issued again for the same names counts against Let's
        // Encrypt's 5 per week (https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-identifiers),
        // and a new ACME account against its own limit. Delete them by hand when the deployment is gone for good.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      (secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride(
        'GenerateSecretString',
      );
      acknowledge(secret, {
        'AwsSolutions-SMG4':
          'Not a credential Secrets Manager can rotate: the certificate function itself renews it over ACME, daily, when under 30 days remain.',
      });
      return secret;
    };
    this.secret = emptySecret(
      'Secret',
      `Wildcard TLS certificate and key for *.${props.jitsiDomain} (Let's Encrypt), read by the meeting servers`,
    );
    this.accountSecret = emptySecret(
      'AccountKey',
      "Let's Encrypt (ACME) account key of the certificate function",
    );

    this.fn = new TaskFunction(this, 'Renew', {
      entryDir: 'certificate',
      description: `Issues and renews the *.${props.jitsiDomain} certificate over ACME DNS-01`,
      // Route 53 usually reports INSYNC within a minute; the ACME order adds seconds. Room for slow days.
      timeout: Duration.minutes(10),
      logRetention: props.logRetention,
      environment: {
        JITSI_DOMAIN: props.jitsiDomain,
        HOSTED_ZONE_ID: props.hostedZoneId,
        ACME_EMAIL: props.acmeEmail,
        ACME_DIRECTORY: props.acmeDirectory,
        CERTIFICATE_SECRET_ID: this.secret.secretArn,
        ACCOUNT_SECRET_ID: this.accountSecret.secretArn,
        ...(props.retainedCertificateSecretArn
          ? { PREVIOUS_CERTIFICATE_SECRET_ID: props.retainedCertificateSecretArn }
          : {}),
        ...(props.retainedAccountSecretArn
          ? { PREVIOUS_ACCOUNT_SECRET_ID: props.retainedAccountSecretArn }
          : {}),
      },
    });
    const { role } = this.fn;
    // Only this function writes either secret (PutSecretValue is all it needs to write).
    for (const secret of [this.secret, this.accountSecret])
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
          resources: [secret.secretArn],
        }),
      );
    // An earlier deployment's secrets: read only (GetSecretValue takes the full ARN as given).
    const retained = [props.retainedCertificateSecretArn, props.retainedAccountSecretArn].filter(
      (arn): arn is string => arn !== undefined,
    );
    if (retained.length)
      role.addToPolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: retained }),
      );
    // The challenge record and nothing else in the zone: one name, TXT only, upsert or delete.
    // https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html
    // (names are compared lower-case without the trailing dot; ForAllValues over every change in the batch).
    const challengeName = `_acme-challenge.${props.jitsiDomain}`.toLowerCase();
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [`arn:${Aws.PARTITION}:route53:::hostedzone/${props.hostedZoneId}`],
        conditions: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [challengeName],
            'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
          },
        },
      }),
    );
    // GetChange has no per-zone resource: change ids are account-wide.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['route53:GetChange'],
        resources: [`arn:${Aws.PARTITION}:route53:::change/*`],
      }),
    );
    acknowledge(role, {
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]':
        'route53:GetChange only reads the status of a change; change ids are not known before the change is made.',
    });

    // Daily: with renewal at 30 days left, ~30 attempts before the certificate would expire.
    new events.Rule(this, 'Daily', {
      description: `Renews the *.${props.jitsiDomain} certificate when fewer than 30 days remain`,
      schedule: events.Schedule.rate(Duration.days(1)),
      targets: [new targets.LambdaFunction(this.fn.fn, { retryAttempts: 2 })],
    });

    // The first certificate exists before the first meeting server boots: the deployment runs the function
    // once (and again when the domain or CA changes). A failure fails the deployment, with the reason.
    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.fn.fn,
      logGroup: providerLogs,
    });
    acknowledge(provider, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        "The custom-resources Provider framework's own function role; CDK creates it and it only invokes the certificate function.",
      [`AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.fn.fn.node.defaultChild as CfnElement)}.Arn>:*]`]:
        "The custom-resources Provider framework may invoke the certificate function's versions (<arn>:*); CDK writes that grant.",
      'AwsSolutions-L1':
        'The custom-resources Provider framework picks its own Node.js runtime; CDK upgrades it with aws-cdk-lib.',
    });
    new CustomResource(this, 'FirstIssue', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::WildcardCertificate',
      properties: { domain: props.jitsiDomain, directory: props.acmeDirectory },
    });

    // Any failed run: the certificate was not renewed (the old one is untouched) and needs a look.
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `The *.${props.jitsiDomain} certificate function failed (see its log: "certificate renewal failed")`,
      metric: this.fn.fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No invocation in an hour is the normal case, not an error.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Expiry close: renewal has been failing for two weeks. Missing data counts as breaching: a run that
    // publishes nothing (schedule gone, function broken at start-up, no certificate ever issued) is exactly
    // what this alarm exists to catch. A day's period holds one scheduled run; two of two days must breach
    // so the day still in progress (no run yet) does not raise a false alarm every morning. Periods of an
    // hour or more may span up to 7 days (PutMetricAlarm's EvaluationPeriods limit).
    const daysLeft = new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: DAYS_LEFT_METRIC,
      dimensionsMap: { Domain: props.jitsiDomain },
      statistic: 'Minimum',
      period: Duration.days(1),
    });
    this.expiryAlarm = new cloudwatch.Alarm(this, 'ExpiryAlarm', {
      alarmDescription: `The *.${props.jitsiDomain} certificate expires in under ${props.alarmDaysLeft ?? 14} days, or no run reported its expiry`,
      metric: daysLeft,
      threshold: props.alarmDaysLeft ?? 14,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    if (props.alarmTopic) {
      const notify = new cloudwatchActions.SnsAction(props.alarmTopic);
      for (const alarm of [this.errorsAlarm, this.expiryAlarm]) {
        alarm.addAlarmAction(notify);
        alarm.addOkAction(notify);
      }
    }
  }
}
