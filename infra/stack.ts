import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { vcpusOf } from '../functions/shared/awsLimits';
import type { AppConfig } from './config';
import { AlarmTopic } from './constructs/alarmTopic';
import { WildcardCertificate } from './constructs/certificate';
import { JitsiFleet, UBUNTU_AMI_PARAMETER } from './constructs/jitsiFleet';
import { JitsiImage } from './constructs/jitsiImage';
import { Lifecycle } from './constructs/lifecycle';
import { MeetingsApi } from './constructs/meetingsApi';
import { MeetingTable } from './constructs/meetingTable';
import { Operations } from './constructs/operations';
import { Sweeper } from './constructs/sweeper';
import { TaskFunction } from './constructs/taskFunction';

export interface MeetingSchedulerStackProps extends StackProps {
  config: AppConfig;
}

/** Everything one deployment needs: table, fleet, lifecycle state machine and tasks, API. */
export class MeetingSchedulerStack extends Stack {
  constructor(scope: Construct, id: string, props: MeetingSchedulerStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const { table } = new MeetingTable(this, 'Meetings');
    // Where every alarm notifies: the stack's own topic, or alarmTopicArn.
    const { topic: alarmTopic } = new AlarmTopic(this, 'Alarms', {
      existingTopicArn: config.alarmTopicArn,
      email: config.alarmEmail,
    });
    // One wildcard certificate for every meeting server (issue 11); every server reads certificate.secret at boot.
    const certificate = new WildcardCertificate(this, 'Certificate', {
      jitsiDomain: config.jitsiDomain,
      hostedZoneId: config.hostedZoneId,
      acmeEmail: config.acmeEmail,
      acmeDirectory: config.acmeDirectory,
      retainedCertificateSecretArn: config.retainedCertificateSecretArn,
      retainedAccountSecretArn: config.retainedAccountSecretArn,
      alarmTopic,
      logRetention,
    });
    // Launches read the image from here: the pipeline's newest baked image, or stock Ubuntu until the first.
    const imageParameterName = `/${config.appName}/jitsi-image-id`;
    const fleet = new JitsiFleet(this, 'Fleet', {
      appName: config.appName,
      imageParameterName,
      maxInstanceHours: config.maxInstanceHours,
      certificateSecret: certificate.secret,
    });
    // The pre-baked Jitsi image (issue 21): servers boot in seconds, with nothing downloaded at lesson time.
    const image = new JitsiImage(this, 'Image', {
      appName: config.appName,
      versions: {
        jitsiMeet: config.jitsiMeetVersion,
        jitsiMeetWeb: config.jitsiMeetWebVersion,
        jicofo: config.jicofoVersion,
        jitsiVideobridge: config.jitsiVideobridgeVersion,
      },
      schedule: config.imageRebuildSchedule,
      imagesKept: config.imagesKept,
      vpc: fleet.vpc,
      parentImageParameter: UBUNTU_AMI_PARAMETER,
      fallbackImageId: fleet.imageId,
      imageParameterName,
      alarmTopic,
    });
    const lifecycle = new Lifecycle(this, 'Lifecycle', {
      appName: config.appName,
      table,
      fleet,
      hostedZoneId: config.hostedZoneId,
      jitsiDomain: config.jitsiDomain,
      instanceTypes: config.instanceTypes,
      imageParameterArn: image.imageParameterArn,
      ebsKmsKeyArn: config.ebsKmsKeyArn,
      logRetention,
      acmeDirectory: config.acmeDirectory,
    });
    const api = new MeetingsApi(this, 'Api', {
      table,
      stateMachine: lifecycle.stateMachine,
      teardownFunction: lifecycle.tasks.Teardown.fn,
      jitsiDomain: config.jitsiDomain,
      timings: {
        leadSeconds: config.launchLeadMinutes * 60,
        attendanceCheckDelaySeconds: config.attendanceCheckDelayMinutes * 60,
        healthIntervalSeconds: config.healthCheckIntervalSeconds,
        healthMaxAttempts: config.healthCheckMaxAttempts,
        healthFirstProbeDelaySeconds: config.healthCheckFirstProbeDelaySeconds,
        occupancyIntervalSeconds: config.occupancyCheckIntervalMinutes * 60,
        overrunStepSeconds: config.overrunStepMinutes * 60,
        maxOverrunSeconds: config.maxOverrunMinutes * 60,
      },
      admission: {
        runInstancesRefillPerSecond: config.runInstancesRefillPerSecond,
        runInstancesResourceRefillPerSecond: config.runInstancesResourceRefillPerSecond,
        route53ChangesPerSecond: config.route53ChangesPerSecond,
        launchRateShare: config.launchRateShare,
        vcpuQuota: config.vcpuQuota,
        vcpuQuotaShare: config.vcpuQuotaShare,
        instanceVcpus: Math.max(...config.instanceTypes.map(vcpusOf)),
        maxLaunchLeadSeconds: config.maxLaunchLeadMinutes * 60,
      },
      auth:
        config.apiAuth === 'jwt'
          ? {
              kind: 'jwt',
              issuer: config.jwtIssuer!,
              audience: config.jwtAudience!,
              scope: config.jwtScope!,
            }
          : { kind: 'iam' },
      allowedOrigin: config.allowedOrigin,
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      joinThrottle: { rateLimit: config.joinRateLimit, burstLimit: config.joinBurstLimit },
      logRetention,
    });
    new Sweeper(this, 'Sweeper', {
      appName: config.appName,
      table,
      stateMachine: lifecycle.stateMachine,
      hostedZoneId: config.hostedZoneId,
      jitsiDomain: config.jitsiDomain,
      taskEnvironment: lifecycle.taskEnvironment,
      maxInstanceHours: config.maxInstanceHours,
      maxOverrunMinutes: config.maxOverrunMinutes,
      logRetention,
    });
    const functions = this.node.findAll().filter((c): c is TaskFunction => c instanceof TaskFunction);
    const operations = new Operations(this, 'Operations', {
      alarmTopic,
      stateMachine: lifecycle.stateMachine,
      executionLogs: lifecycle.executionLogs,
      api: api.api,
      healthBudgetSeconds:
        config.healthCheckFirstProbeDelaySeconds +
        config.healthCheckMaxAttempts * config.healthCheckIntervalSeconds,
      functionLogGroups: functions.map((f) => f.fn.logGroup),
    });
    // One level for every function of ours (the custom-resources framework's function is CDK's).
    for (const f of functions) f.fn.addEnvironment('LOG_LEVEL', config.logLevel);
    new CfnOutput(this, 'ApiUrl', { value: api.url });
    new CfnOutput(this, 'StateMachineArn', { value: lifecycle.stateMachine.stateMachineArn });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'CertificateSecretArn', { value: certificate.secret.secretArn });
    // Both secrets outlive the stack: a later deployment takes them over (retained*SecretArn context).
    new CfnOutput(this, 'AccountSecretArn', { value: certificate.accountSecret.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: operations.dashboard.dashboardName });
    // `aws imagebuilder start-image-pipeline-execution --image-pipeline-arn <this>` builds the first image.
    new CfnOutput(this, 'ImagePipelineArn', { value: image.pipeline.attrArn });
  }
}
