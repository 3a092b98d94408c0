import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { renderUserData } from '../bootstrap/userData';
import { acknowledge } from './acknowledge';
import { Construct } from 'constructs';

/** Ubuntu 22.04 LTS, resolved at deploy time from Canonical's public SSM parameter (no lookup at synth). */
export const UBUNTU_AMI_PARAMETER =
  '/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id';

/**
 * Canonical's account, owner of the stock Ubuntu images in the commercial partition (the account behind the
 * /aws/service/canonical/ parameters). The launch role may start its images for the apt fallback.
 */
export const CANONICAL_OWNER_ID = '099720109477';

export interface JitsiFleetProps {
  appName: string;
  /**
   * The SSM parameter holding the image to launch: the newest baked image once the pipeline has built one
   * (infra/constructs/jitsiImage.ts), the stock Ubuntu image until then.
   */
  imageParameterName: string;
  maxInstanceHours: number;
  /** The wildcard certificate every server installs at boot (kept by the certificate function). */
  certificateSecret: secretsmanager.ISecret;
}

/** Where meeting servers run: a public-subnet VPC, the security group, the instance role, the launch template. */
export class JitsiFleet extends Construct {
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;
  readonly instanceRole: iam.Role;
  readonly launchTemplate: ec2.LaunchTemplate;
  /** The stock Ubuntu 22.04 image at deploy time: the launch parameter's value until the first baked image. */
  readonly imageId: string;

  constructor(scope: Construct, id: string, props: JitsiFleetProps) {
    super(scope, id);
    // Jitsi needs a public address per server; no NAT gateway, nothing private to reach.
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: true }],
      flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'JitsiSecurityGroup', {
      vpc: this.vpc,
      description: 'Jitsi meeting servers: HTTPS, media over UDP, TURN over TLS, STUN',
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Jitsi web and signalling');
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.udp(10000), 'Jitsi videobridge media');
    // The Jitsi handbook's firewall list (https://jitsi.github.io/handbook/docs/devops-guide/devops-guide-quickstart,
    // "Setup and configure your firewall") also opens these two: without 5349/tcp a participant whose network
    // blocks UDP has no media path at all, and 3478/udp answers STUN for address discovery.
    this.securityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(5349),
      'Jitsi fallback for video/audio when UDP is blocked (TURN over TLS)',
    );
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.udp(3478), 'Jitsi STUN');
    // No port 80: the certificate is the platform's wildcard one (DNS-01, issued by the certificate function),
    // so nothing on a meeting server answers an HTTP-01 challenge.

    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Jitsi servers: SSM management (attendance is read through Run Command), the TLS secret',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });

    // The one secret a server may read: it installs the wildcard certificate at boot.
    props.certificateSecret.grantRead(this.instanceRole);
    const userData = ec2.UserData.custom(
      renderUserData({
        maxLifetimeMinutes: props.maxInstanceHours * 60,
        certificateSecretId: props.certificateSecret.secretArn,
      }),
    );
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      // `resolve:ssm:<name>`: EC2 reads the parameter at each launch, so a new baked image is used from the
      // moment the pipeline publishes it, with no deploy (RequestLaunchTemplateData ImageId).
      machineImage: ec2.MachineImage.resolveSsmParameterAtLaunch(props.imageParameterName, {
        os: ec2.OperatingSystemType.LINUX,
      }),
      instanceType: new ec2.InstanceType('c6i.large'),
      securityGroup: this.securityGroup,
      role: this.instanceRole,
      userData,
      requireImdsv2: true,
      instanceMetadataTags: true,
      instanceInitiatedShutdownBehavior: ec2.InstanceInitiatedShutdownBehavior.TERMINATE,
      blockDevices: [
        {
          deviceName: '/dev/sda1',
          volume: ec2.BlockDeviceVolume.ebs(16, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
      // No key pair: nobody logs in over SSH; SSM Session Manager is the way in.
    });

    // Canonical's image at deploy time, through an SSM-typed stack parameter: what the launch parameter holds
    // until the first build.
    this.imageId = ec2.MachineImage.fromSsmParameter(UBUNTU_AMI_PARAMETER).getImage(this).imageId;

    acknowledge(this.securityGroup, {
      'AwsSolutions-EC23':
        'A public video server: students and teachers join from anywhere on 443/tcp, 10000/udp, 5349/tcp (media when UDP is blocked) and 3478/udp (STUN).',
    });
    acknowledge(this.instanceRole, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]':
        'AmazonSSMManagedInstanceCore is the documented minimum for SSM Run Command and Session Manager.',
    });
  }

  /** RunInstances names one of these (the template has none) and moves on to the next AZ when one is full. */
  get publicSubnetIds(): string[] {
    return this.vpc.publicSubnets.map((s) => s.subnetId);
  }
}
