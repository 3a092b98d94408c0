import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { componentDocument, contentTag, type JitsiVersions } from '../image/component';
import { acknowledge } from './acknowledge';

/**
 * The tag the pipeline puts on its AMIs and Image Builder images (value: the app name). The launch role may
 * start this account's images only when they carry it (infra/constructs/lifecycle.ts), and the lifecycle policy
 * selects the images to expire by it. Not `app`: that tag marks meeting servers, which the sweeper terminates
 * when it knows no meeting for them.
 */
export const BAKED_IMAGE_TAG_KEY = 'meeting-scheduler:baked-image';

/** The construct id under which CDK creates the function shared by every AwsCustomResource of a stack. */
export const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

export interface JitsiImageProps {
  readonly appName: string;
  /** The Jitsi packages baked in, pinned (CDK context jitsiMeetVersion…). */
  readonly versions: JitsiVersions;
  /** When the pipeline rebuilds with the day's updates (EventBridge cron). */
  readonly schedule: string;
  /** How many of the newest images the lifecycle policy keeps. */
  readonly imagesKept: number;
  /** Build and test instances run in a public subnet of it (they download packages, nothing reaches them). */
  readonly vpc: ec2.IVpc;
  /** The parent image: Canonical's public SSM parameter of Ubuntu 22.04, the apt fallback's image too. */
  readonly parentImageParameter: string;
  /** The stock image launches use until the first build (the fleet's deploy-time Ubuntu image id). */
  readonly fallbackImageId: string;
  /** The parameter launches read (`resolve:ssm:` in the launch template); the pipeline writes each new image. */
  readonly imageParameterName: string;
  /** Where the build-failed alarm notifies (the stack's alarm topic). */
  readonly alarmTopic: sns.ITopic;
}

/**
 * EC2 Image Builder pipeline of the meeting server image (README "The baked image"): Ubuntu 22.04 with Jitsi at
 * the pinned versions, unpacked for a configure-only boot (infra/image/). Publishes each new AMI id to the
 * launch parameter, keeps the newest few, rebuilds on a schedule, and alarms when a build fails.
 */
export class JitsiImage extends Construct {
  readonly pipeline: imagebuilder.CfnImagePipeline;
  readonly buildFailedAlarm: cloudwatch.Alarm;
  /** ARN of the launch parameter (the launch role reads it to resolve the template's image). */
  readonly imageParameterArn: string;

  constructor(scope: Construct, id: string, props: JitsiImageProps) {
    super(scope, id);
    const { appName } = props;
    const imageTags = { [BAKED_IMAGE_TAG_KEY]: appName };
    const document = componentDocument(props.versions);
    // The same root volume as the launch template's (infra/constructs/jitsiFleet.ts).
    const rootVolume = {
      deviceName: '/dev/sda1',
      ebs: { volumeSize: 16, volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
    };
    // Components and recipes are immutable: new content, new names (CloudFormation then replaces them). Every
    // recipe setting is in the name, so no change can meet the old name and version.
    const tag = contentTag(document, props.parentImageParameter, JSON.stringify(rootVolume));

    const component = new imagebuilder.CfnComponent(this, 'Component', {
      name: `${appName}-jitsi-${tag}`,
      version: '1.0.0',
      platform: 'Linux',
      supportedOsVersions: ['Ubuntu 22'],
      description: 'Jitsi at pinned versions for a configure-only boot; apt periodic jobs off',
      data: document,
    });
    const recipe = new imagebuilder.CfnImageRecipe(this, 'Recipe', {
      name: `${appName}-jitsi-${tag}`,
      version: '1.0.0',
      // "ssm:" + parameter name: Image Builder resolves the parent when a build starts, so every scheduled
      // rebuild starts from Canonical's newest 22.04 image (CreateImageRecipe parentImage).
      parentImage: `ssm:${props.parentImageParameter}`,
      components: [{ componentArn: component.attrArn }],
      blockDeviceMappings: [rootVolume],
    });

    const instanceRole = new iam.Role(this, 'BuildInstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Image Builder build and test instances of the Jitsi image',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    acknowledge(instanceRole, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/EC2InstanceProfileForImageBuilder]':
        'The managed policy Image Builder documents for its build instances (AWSTOE downloads and logs).',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]':
        'Image Builder drives build and test instances through SSM; this is the documented minimum for it.',
    });
    const instanceProfile = new iam.CfnInstanceProfile(this, 'BuildInstanceProfile', {
      roles: [instanceRole.roleName],
    });
    const securityGroup = new ec2.SecurityGroup(this, 'BuildSecurityGroup', {
      vpc: props.vpc,
      description: 'Image Builder instances of the Jitsi image: outbound only (packages, SSM)',
      allowAllOutbound: true,
    });
    const infrastructure = new imagebuilder.CfnInfrastructureConfiguration(this, 'Infrastructure', {
      name: `${appName}-jitsi-build`,
      instanceProfileName: instanceProfile.ref,
      instanceTypes: ['c6i.large'],
      subnetId: props.vpc.publicSubnets[0].subnetId,
      securityGroupIds: [securityGroup.securityGroupId],
      terminateInstanceOnFailure: true,
      instanceMetadataOptions: { httpTokens: 'required' },
    });

    const distribution = new imagebuilder.CfnDistributionConfiguration(this, 'Distribution', {
      name: `${appName}-jitsi`,
      distributions: [
        {
          region: Aws.REGION,
          // A JSON property in CloudFormation's schema (typed `any` in aws-cdk-lib): its keys are written as
          // CloudFormation spells them.
          amiDistributionConfiguration: {
            Name: `${appName}-jitsi-{{ imagebuilder:buildDate }}`,
            AmiTags: imageTags,
          },
          // "creates the Parameter if it doesn't already exist. Otherwise, it updates the parameter"
          // (SsmParameterConfiguration): every successful build moves launches to the new image.
          ssmParameterConfigurations: [
            { parameterName: props.imageParameterName, dataType: 'aws:ec2:image' },
          ],
        },
      ],
    });

    this.pipeline = new imagebuilder.CfnImagePipeline(this, 'Pipeline', {
      name: `${appName}-jitsi`,
      description: 'Meeting server image: Ubuntu 22.04 with pinned Jitsi, rebuilt on a schedule for updates',
      imageRecipeArn: recipe.attrArn,
      infrastructureConfigurationArn: infrastructure.attrArn,
      distributionConfigurationArn: distribution.attrArn,
      // Every time, not only when Image Builder sees a newer parent or component: apt's security updates are
      // what the rebuild is for, and Image Builder cannot see those.
      schedule: {
        scheduleExpression: props.schedule,
        pipelineExecutionStartCondition: 'EXPRESSION_MATCH_ONLY',
      },
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
      imageTags,
      status: 'ENABLED',
    });

    // Until the first build, launches use the stock image (the bootstrap's apt fallback). Written once, only
    // when the parameter does not exist: a later deploy must not take launches back from a baked image.
    const parameterArn = Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: props.imageParameterName.replace(/^\//, ''),
    });
    this.imageParameterArn = parameterArn;
    const seed = new cr.AwsCustomResource(this, 'SeedImageParameter', {
      onCreate: {
        service: 'SSM',
        action: 'putParameter',
        parameters: {
          Name: props.imageParameterName,
          Value: props.fallbackImageId,
          Type: 'String',
          DataType: 'aws:ec2:image',
          Overwrite: false,
        },
        ignoreErrorCodesMatching: 'ParameterAlreadyExists',
        physicalResourceId: cr.PhysicalResourceId.of(props.imageParameterName),
      },
      onDelete: {
        service: 'SSM',
        action: 'deleteParameter',
        parameters: { Name: props.imageParameterName },
        ignoreErrorCodesMatching: 'ParameterNotFound',
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['ssm:PutParameter', 'ssm:DeleteParameter'],
          resources: [parameterArn],
        }),
        // Parameter Store checks that an aws:ec2:image value is an image the caller can describe.
        new iam.PolicyStatement({ actions: ['ec2:DescribeImages'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
    });
    acknowledge(seed, {
      'AwsSolutions-IAM5[Resource::*]':
        'ec2:DescribeImages supports no resource-level permissions; Parameter Store needs it to accept an aws:ec2:image value.',
    });
    // The one function CDK shares between every AwsCustomResource of the stack.
    const provider = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    if (provider)
      acknowledge(provider, {
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
          "CDK's AwsCustomResource function role: it writes only its own logs and runs the seed's two SSM calls.",
        'AwsSolutions-L1': "CDK's AwsCustomResource function picks its own Node.js runtime; CDK upgrades it.",
      });

    this.expireOldImages(props.imagesKept, imageTags, appName);
    this.buildFailedAlarm = this.alarmOnFailedBuilds(appName, props.alarmTopic);
  }

  /** Image Builder's lifecycle policy deletes all but the newest `kept` images, with their AMIs and snapshots. */
  private expireOldImages(kept: number, imageTags: Record<string, string>, appName: string) {
    const role = new iam.Role(this, 'LifecycleRole', {
      assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com'),
      description: 'Image Builder lifecycle policy: expires old Jitsi images',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/EC2ImageBuilderLifecycleExecutionPolicy'),
      ],
    });
    acknowledge(role, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy]':
        'The managed policy Image Builder documents for lifecycle policies; the policy only selects images by our tag.',
    });
    new imagebuilder.CfnLifecyclePolicy(this, 'KeepNewestImages', {
      name: `${appName}-jitsi-keep-newest`,
      description: `Keeps the newest ${kept} Jitsi images (and their AMIs and snapshots)`,
      executionRole: role.roleArn,
      resourceType: 'AMI_IMAGE',
      policyDetails: [
        {
          action: { type: 'DELETE', includeResources: { amis: true, snapshots: true } },
          filter: { type: 'COUNT', value: kept },
        },
      ],
      // The pipeline's imageTags are on every image it builds, whatever the recipe's name.
      resourceSelection: { tagMap: imageTags },
    });
  }

  /**
   * Image Builder reports each image's end state to EventBridge ("EC2 Image Builder Image State Change",
   * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-imagebuilder.html). Failed builds of this
   * pipeline go to a log group (the reason is in the event), and the rule's TriggeredRules metric raises the
   * alarm, which notifies the alarm topic like every other alarm (infra/constructs/operations.ts).
   */
  private alarmOnFailedBuilds(appName: string, topic: sns.ITopic): cloudwatch.Alarm {
    const failures = new logs.LogGroup(this, 'FailedBuilds', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // EventBridge writes to a log group only when its resource policy lets it
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions).
    // A native AWS::Logs::ResourcePolicy, instead of aws-events-targets' custom resource (a Lambda of its own).
    new logs.ResourcePolicy(this, 'FailedBuildsDelivery', {
      policyStatements: [
        new iam.PolicyStatement({
          principals: [
            new iam.ServicePrincipal('events.amazonaws.com'),
            new iam.ServicePrincipal('delivery.logs.amazonaws.com'),
          ],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${failures.logGroupArn}:*`],
        }),
      ],
    });
    const rule = new events.Rule(this, 'BuildFailedRule', {
      description: `Failed builds of the ${appName}-jitsi image`,
      eventPattern: {
        source: ['aws.imagebuilder'],
        detailType: ['EC2 Image Builder Image State Change'],
        resources: events.Match.prefix(
          `arn:${Aws.PARTITION}:imagebuilder:${Aws.REGION}:${Aws.ACCOUNT_ID}:image/${appName}-jitsi-`,
        ),
        detail: { state: { status: ['FAILED'] } },
      },
      targets: [{ bind: () => ({ arn: failures.logGroupArn }) }],
    });
    const alarm = new cloudwatch.Alarm(this, 'BuildFailedAlarm', {
      alarmDescription:
        'A build of the Jitsi image failed: launches keep the previous image. The reason is in the FailedBuilds log group and the Image Builder console. See README "The baked image".',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'TriggeredRules',
        dimensionsMap: { RuleName: rule.ruleName },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No build in a period is the normal, not an incident.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const notify = new cloudwatchActions.SnsAction(topic);
    alarm.addAlarmAction(notify);
    alarm.addOkAction(notify);
    return alarm;
  }
}
