import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { readAppConfig } from '../../infra/config';
import { AWS_CUSTOM_RESOURCE_PROVIDER_ID } from '../../infra/constructs/jitsiImage';
import { taskTimeouts } from '../../infra/constructs/lifecycle';
import { DEFINITION_PATH } from '../../statemachine/definition';
import { actionsOf, CONTEXT, statementsOf, synth } from '../support/stackTemplate';

describe('MeetingSchedulerStack', () => {
  const built = synth();
  const { app } = built;
  const template = built.template!;

  test('meetings table: on demand, point-in-time recovery, TTL, two newest-first indexes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'byCreatedAt',
          KeySchema: [
            { AttributeName: 'kind', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
        }),
        Match.objectLike({
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
  });

  test('seven functions (API, four tasks, sweeper, certificate) on Node.js 22, each with a role of its own', () => {
    // The custom-resources Provider framework's own function and the one every AwsCustomResource shares (each
    // picks its runtime) are CDK's, not ours.
    const fns = (
      Object.entries(template.findResources('AWS::Lambda::Function')) as [
        string,
        { Properties: { Runtime: string; Handler: string; Role: { 'Fn::GetAtt': string[] } } },
      ][]
    )
      .filter(
        ([id, f]) =>
          f.Properties.Handler !== 'framework.onEvent' && !id.startsWith(AWS_CUSTOM_RESOURCE_PROVIDER_ID),
      )
      .map(([, f]) => f);
    expect(fns).toHaveLength(7);
    for (const f of fns) expect(f.Properties.Runtime).toBe('nodejs22.x');
    expect(new Set(fns.map((f) => f.Properties.Role['Fn::GetAtt'][0])).size).toBe(7);
    // No managed policy on our function roles: each writes only its own log group.
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] },
      },
    });
    const ours = new Set(fns.map((f) => f.Properties.Role['Fn::GetAtt'][0]));
    for (const [id, r] of Object.entries(roles).filter(([roleId]) => ours.has(roleId)))
      expect({
        id,
        managed: (r as { Properties: { ManagedPolicyArns?: unknown } }).Properties.ManagedPolicyArns,
      }).toEqual({
        id,
        managed: undefined,
      });
  });

  test('state machine: Standard, from the ASL file with each task substituted, logged and traced', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      DefinitionSubstitutions: {
        LaunchFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LifecycleLaunchFunction'), 'Arn'] },
        HealthCheckFunctionArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^LifecycleHealthCheckFunction'), 'Arn'],
        },
        AttendanceCheckFunctionArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^LifecycleAttendanceCheckFunction'), 'Arn'],
        },
        TeardownFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LifecycleTeardownFunction'), 'Arn'] },
      },
    });
    // DefinitionBody.fromFile ships the ASL file itself as an asset: byte for byte the file the local engine runs.
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionS3Location: Match.objectLike({ Key: Match.stringLikeRegexp('\\.json$') }),
    });
    const assembly = app.synth();
    const manifest = JSON.parse(
      readFileSync(join(assembly.directory, 'MeetingScheduler.assets.json'), 'utf8'),
    ) as { files: Record<string, { source: { path: string } }> };
    const shipped = Object.values(manifest.files)
      .filter((f) => f.source.path.endsWith('.json'))
      .map((f) => readFileSync(join(assembly.directory, f.source.path), 'utf8'));
    expect(shipped).toContain(readFileSync(DEFINITION_PATH, 'utf8'));
    // It may invoke exactly the four task functions.
    const invoke = statementsOf(template, 'LifecycleStateMachineRole').find((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );
    expect((invoke?.Resource as unknown[]).length).toBe(4);
  });

  test("every task function's timeout is longer than its Task's TimeoutSeconds, so States.Timeout can fire and retry", () => {
    type AslNode = { Type?: string; Resource?: string; TimeoutSeconds?: number };
    const tasks: AslNode[] = [];
    const collect = (n: unknown): void => {
      if (n === null || typeof n !== 'object') return;
      if ((n as AslNode).Type === 'Task') tasks.push(n as AslNode);
      Object.values(n).forEach(collect);
    };
    collect(JSON.parse(readFileSync(DEFINITION_PATH, 'utf8')));
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as {
      Properties: { DefinitionSubstitutions: Record<string, { 'Fn::GetAtt': [string, string] }> };
    }[];
    const lambdaTasks = tasks.filter((t) => /^\$\{\w+FunctionArn\}$/.test(t.Resource ?? ''));
    expect(lambdaTasks.length).toBeGreaterThanOrEqual(4);
    for (const t of lambdaTasks) {
      const variable = t.Resource!.slice(2, -1);
      const [functionId] = machine.Properties.DefinitionSubstitutions[variable]['Fn::GetAtt'];
      const fn = template.toJSON().Resources[functionId] as { Properties: { Timeout: number } };
      expect({
        variable,
        taskTimeout: t.TimeoutSeconds,
        fnTimeoutLonger: fn.Properties.Timeout > t.TimeoutSeconds!,
      }).toEqual({
        variable,
        taskTimeout: expect.any(Number),
        fnTimeoutLonger: true,
      });
      expect(fn.Properties.Timeout).toBe(t.TimeoutSeconds! + 10);
    }
  });

  test('a task state without TimeoutSeconds fails synthesis, naming its function variable', () => {
    const asl = JSON.parse(readFileSync(DEFINITION_PATH, 'utf8')) as {
      States: Record<string, { Resource?: string; TimeoutSeconds?: number }>;
    };
    const launch = Object.values(asl.States).find((st) => st.Resource === '${LaunchFunctionArn}')!;
    delete launch.TimeoutSeconds;
    const file = join(mkdtempSync(join(tmpdir(), 'asl-')), 'meeting.asl.json');
    writeFileSync(file, JSON.stringify(asl));
    expect(() => taskTimeouts(file)).toThrow(/\$\{LaunchFunctionArn\} needs a positive whole TimeoutSeconds/);
  });

  test('API: every route needs IAM auth; throttled; CORS only for the configured origin', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as {
      Properties: { RouteKey: string; AuthorizationType: string };
    }[];
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      expect.arrayContaining([
        'GET /meetings',
        'POST /meetings',
        'GET /meetings/{id}',
        'DELETE /meetings/{id}',
        'PATCH /meetings/{id}',
        'GET /join/{token}',
        'GET /join/assets/{file}',
      ]),
    );
    // Only the read-only join route (its token is the credential) and the join page's static script and
    // stylesheet are open; nothing open can start a server.
    const open = routes
      .filter((r) => r.Properties.AuthorizationType === 'NONE')
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(open).toEqual(['GET /join/assets/{file}', 'GET /join/{token}']);
    const bookingRoutes = routes.filter((r) => r.Properties.RouteKey.includes('/meetings'));
    for (const r of bookingRoutes) expect(r.Properties.AuthorizationType).toBe('AWS_IAM');
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://app.example.com'] }),
    });
  });

  test('API with apiAuth=jwt: JWT authorizer for issuer and audience, every /meetings route requires jwtScope', () => {
    const jwt = synth({
      apiAuth: 'jwt',
      jwtIssuer: 'https://auth.example.com/',
      jwtAudience: 'meetings',
      jwtScope: 'meetings/manage',
    }).template!;
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://auth.example.com/', Audience: ['meetings'] },
    });
    for (const routeKey of [
      'GET /meetings',
      'POST /meetings',
      'GET /meetings/{id}',
      'DELETE /meetings/{id}',
      'PATCH /meetings/{id}',
    ])
      jwt.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'JWT',
        AuthorizationScopes: ['meetings/manage'],
      });
    // The anonymous join route has no authorizer, so no scope either.
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /join/{token}',
      AuthorizationType: 'NONE',
      AuthorizationScopes: Match.absent(),
    });
    // The handler checks the scope again (defence in depth).
    jwt.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REQUIRED_SCOPE: 'meetings/manage' }) },
    });
  });

  test('API: the anonymous join routes have their own throttle, sized for 1,000 lessons a minute by default', () => {
    // 2 pages × 1,000 lessons ÷ 10 s × 1.5 (functions/api/join/joinThrottle.ts); test/infra/joinThrottle.test.ts
    // has the derivation from expectedLessonsPerMinute.
    const join = { ThrottlingRateLimit: 300, ThrottlingBurstLimit: 600 };
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      RouteSettings: { 'GET /join/{token}': join, 'GET /join/assets/{file}': join },
    });
    // The stage waits for the routes its settings name (CloudFormation refuses settings for a missing route).
    const routeId = (key: string) =>
      Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).find(
        ([, r]) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey === key,
      )![0];
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as {
      DependsOn?: string[];
    }[];
    expect(stage.DependsOn).toEqual(
      expect.arrayContaining([routeId('GET /join/{token}'), routeId('GET /join/assets/{file}')]),
    );
    synth({ joinRateLimit: 2, joinBurstLimit: 3 }).template!.hasResourceProperties(
      'AWS::ApiGatewayV2::Stage',
      {
        RouteSettings: { 'GET /join/{token}': { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 3 } },
      },
    );
    expect(() => readAppConfig((k) => ({ ...CONTEXT, joinBurstLimit: '0' })[k as 'jitsiDomain'])).toThrow(
      /joinBurstLimit/,
    );
  });

  test('API with apiAuth=iam: no scopes, no REQUIRED_SCOPE', () => {
    for (const r of Object.values(template.findResources('AWS::ApiGatewayV2::Route')))
      expect((r as { Properties: Record<string, unknown> }).Properties.AuthorizationScopes).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).not.toContain('REQUIRED_SCOPE');
  });

  test('sweeper: runs every 10 minutes, may terminate only app-tagged instances', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(10 minutes)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SweeperFunction'), 'Arn'] } }),
      ],
    });
    const terminate = statementsOf(template, 'SweeperRole').find((s) =>
      actionsOf(s).includes('ec2:TerminateInstances'),
    );
    expect(terminate?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/app': 'meeting-scheduler' } });
  });

  test('sweeper: may query open meetings by status (to close those whose lifecycle ended), nothing more', () => {
    const query = statementsOf(template, 'SweeperRole').filter((s) =>
      actionsOf(s).includes('dynamodb:Query'),
    );
    expect(query).toHaveLength(1);
    expect(JSON.stringify(query[0].Resource)).toMatch(/\/index\/byStatus"\]\]\}$/);
  });

  test('sweeper: lists the state machine’s executions and may stop only its executions (reconcile, issue 22)', () => {
    const statements = statementsOf(template, 'SweeperRole');
    const list = statements.filter((s) => actionsOf(s).includes('states:ListExecutions'));
    expect(list).toHaveLength(1);
    expect(list[0].Resource).toEqual({ Ref: expect.stringMatching(/^LifecycleStateMachine/) });
    const stop = statements.filter((s) => actionsOf(s).includes('states:StopExecution'));
    expect(stop).toHaveLength(1);
    expect(JSON.stringify(stop[0].Resource)).toMatch(/:execution:/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('outlived their meeting'),
      Environment: {
        Variables: Match.objectLike({
          STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp('^LifecycleStateMachine') },
        }),
      },
    });
  });

  test('meeting servers: the instance role may read the certificate secret, and no other secret', () => {
    const reads = statementsOf(template, 'FleetInstanceRole').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(reads).toHaveLength(1);
    expect(actionsOf(reads[0]).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(reads[0].Resource).toEqual({ Ref: expect.stringMatching(/^CertificateSecret/) });
  });

  test('launch template user data: the bootstrap with the certificate secret and the lifetime, no Let’s Encrypt', () => {
    const lt = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0] as {
      Properties: { LaunchTemplateData: { UserData: unknown } };
    };
    const userData = JSON.stringify(lt.Properties.LaunchTemplateData.UserData);
    expect(userData).toContain('exec /opt/meeting-scheduler/jitsi-bootstrap.sh');
    expect(userData).toMatch(/CERTIFICATE_SECRET_ID='[^']*",\{"Ref":"CertificateSecret/);
    expect(userData).toContain("MAX_LIFETIME_MINUTES='720'");
    expect(userData).not.toMatch(/letsencrypt|certbot/i);
  });

  test('the API may invoke the teardown function (cancel, reschedule) and nothing else in Lambda', () => {
    const invoke = statementsOf(template, 'ApiHandlerRole').filter((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );
    expect(invoke.map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^LifecycleTeardownFunction/), 'Arn'] },
    ]);
  });

  test('launch template: IMDSv2, encrypted EBS, no SSH key, SSM role, terminates on shutdown', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpTokens: 'required', InstanceMetadataTags: 'enabled' },
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
        KeyName: Match.absent(),
        InstanceInitiatedShutdownBehavior: 'terminate',
        UserData: Match.anyValue(),
      }),
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      },
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore'],
          ],
        },
      ],
    });
  });

  test("security group: Jitsi's documented ports (443/tcp, 10000/udp, 5349/tcp, 3478/udp) only; no port 80", () => {
    const sg = Object.values(template.findResources('AWS::EC2::SecurityGroup'))[0] as {
      Properties: {
        SecurityGroupIngress: { IpProtocol: string; FromPort: number; ToPort: number; Description: string }[];
      };
    };
    expect(
      sg.Properties.SecurityGroupIngress.map((r) => `${r.FromPort}-${r.ToPort}/${r.IpProtocol}`).sort(),
    ).toEqual(['10000-10000/udp', '3478-3478/udp', '443-443/tcp', '5349-5349/tcp']);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([
        Match.objectLike({
          IpProtocol: 'tcp',
          FromPort: 5349,
          ToPort: 5349,
          CidrIp: '0.0.0.0/0',
          Description: Match.stringLikeRegexp('UDP is blocked'),
        }),
        Match.objectLike({
          IpProtocol: 'udp',
          FromPort: 3478,
          ToPort: 3478,
          CidrIp: '0.0.0.0/0',
          Description: Match.stringLikeRegexp('STUN'),
        }),
      ]),
    });
  });

  test('IAM: no wildcard actions; "*" resources only for actions that have no resource-level permissions', () => {
    const all = statementsOf(template, '');
    for (const s of all) for (const a of actionsOf(s)) expect(a).not.toMatch(/\*/);
    const starOnly = new Set([
      'ec2:DescribeInstances',
      'ec2:DescribeImages',
      'ssm:GetCommandInvocation',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]);
    for (const s of all.filter((x) => x.Resource === '*'))
      for (const a of actionsOf(s)) expect(starOnly).toContain(a);
  });

  test('IAM: launch may start and tag only app-tagged instances; teardown and Run Command only on app-tagged ones', () => {
    const launch = statementsOf(template, 'LifecycleLaunchRole');
    const runs = launch.filter((s) => actionsOf(s).includes('ec2:RunInstances'));
    // Every RunInstances resource that the call creates carries a condition.
    const onInstances = runs.find((s) => JSON.stringify(s.Resource).includes(':instance/*'));
    expect(onInstances?.Condition).toEqual({
      StringEquals: {
        'aws:RequestTag/app': 'meeting-scheduler',
        'ec2:InstanceType': ['c6i.large', 'c5.large', 'm6i.large'],
      },
    });
    const onVolumes = runs.find((s) => JSON.stringify(s.Resource).includes(':volume/*'));
    expect(onVolumes?.Condition).toEqual({ StringEquals: { 'aws:RequestTag/app': 'meeting-scheduler' } });
    expect(launch.find((s) => actionsOf(s).includes('ec2:CreateTags'))?.Condition).toEqual({
      StringEquals: { 'ec2:CreateAction': 'RunInstances' },
    });
    expect(launch.some((s) => actionsOf(s).includes('iam:PassRole'))).toBe(true);
    // Only the server it started, when a cancel won the race (launchMeeting.ts): app-tagged instances only.
    expect(
      launch.filter((s) => actionsOf(s).includes('ec2:TerminateInstances')).map((s) => s.Condition),
    ).toEqual([{ StringEquals: { 'aws:ResourceTag/app': 'meeting-scheduler' } }]);

    const terminate = statementsOf(template, 'LifecycleTeardownRole').find((s) =>
      actionsOf(s).includes('ec2:TerminateInstances'),
    );
    expect(terminate?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/app': 'meeting-scheduler' } });
    const send = statementsOf(template, 'LifecycleAttendanceCheckRole').filter((s) =>
      actionsOf(s).includes('ssm:SendCommand'),
    );
    expect(
      send.some(
        (s) =>
          JSON.stringify(s.Condition) ===
          JSON.stringify({ StringEquals: { 'ssm:resourceTag/app': 'meeting-scheduler' } }),
      ),
    ).toBe(true);
  });

  test('IAM: the health check may read the console output (a failed bootstrap’s reason) of app servers only', () => {
    const read = statementsOf(template, 'LifecycleHealthCheck').filter((s) =>
      actionsOf(s).includes('ec2:GetConsoleOutput'),
    );
    expect(read).toHaveLength(1);
    expect(read[0].Condition).toEqual({ StringEquals: { 'aws:ResourceTag/app': 'meeting-scheduler' } });
  });

  test('IAM: RunInstances only with a baked image of this account (tagged) or Canonical’s stock image, never any image; only the configured instance types', () => {
    const launchTemplate = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0] as {
      Properties: { LaunchTemplateData: { ImageId: string } };
    };
    // Resolved at each launch from the parameter the image pipeline writes.
    expect(launchTemplate.Properties.LaunchTemplateData.ImageId).toBe(
      'resolve:ssm:/meeting-scheduler/jitsi-image-id',
    );
    const runs = statementsOf(template, 'LifecycleLaunchRole').filter((s) =>
      actionsOf(s).includes('ec2:RunInstances'),
    );
    const onImages = runs.filter((s) => JSON.stringify(s.Resource).includes('::image/'));
    // Every statement naming images is conditioned on the image's owner: no image/* without a condition.
    expect(onImages.map((s) => s.Condition)).toEqual([
      {
        StringEquals: {
          'ec2:Owner': { Ref: 'AWS::AccountId' },
          'aws:ResourceTag/meeting-scheduler:baked-image': 'meeting-scheduler',
        },
      },
      { StringEquals: { 'ec2:Owner': '099720109477' } },
    ]);
    for (const s of onImages) expect(Array.isArray(s.Resource) ? s.Resource : [s.Resource]).toHaveLength(1);
    // The launch role reads the parameter (a resolve:ssm: image needs ssm:GetParameters), and only it.
    const read = statementsOf(template, 'LifecycleLaunchRole').filter((s) =>
      actionsOf(s).includes('ssm:GetParameters'),
    );
    expect(read).toHaveLength(1);
    expect(JSON.stringify(read[0].Resource)).toContain(':parameter/meeting-scheduler/jitsi-image-id');
    const instanceTypes = synth({ instanceTypes: 'm7i.large' }).template!;
    expect(
      statementsOf(instanceTypes, 'LifecycleLaunchRole').find((s) =>
        JSON.stringify(s.Resource).includes(':instance/*'),
      )?.Condition,
    ).toEqual({
      StringEquals: { 'aws:RequestTag/app': 'meeting-scheduler', 'ec2:InstanceType': ['m7i.large'] },
    });
    // PassRole only for the meeting servers' own role.
    const pass = statementsOf(template, 'LifecycleLaunchRole').find((s) =>
      actionsOf(s).includes('iam:PassRole'),
    );
    expect(pass?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FleetInstanceRole/), 'Arn'] });
  });

  test('IAM: Route 53 changes only A records of meeting hosts (*.jitsiDomain) in the zone', () => {
    const meetingRecords = {
      'ForAllValues:StringLike': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['*.meet.example.com'],
      },
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['A'] },
    };
    for (const role of [
      'LifecycleLaunchRole',
      'LifecycleHealthCheckRole',
      'LifecycleTeardownRole',
      'SweeperRole',
    ]) {
      const changes = statementsOf(template, role).filter((s) =>
        actionsOf(s).includes('route53:ChangeResourceRecordSets'),
      );
      expect({ role, n: changes.length }).toEqual({ role, n: 1 });
      expect(changes[0].Condition).toEqual(meetingRecords);
      expect(actionsOf(changes[0])).toEqual(['route53:ChangeResourceRecordSets']);
      expect(JSON.stringify(changes[0].Resource)).toContain('hostedzone/Z0123456789EXAMPLE');
    }
    // No role at all changes records in the zone without naming which records and which types.
    for (const s of statementsOf(template, '').filter((x) =>
      actionsOf(x).includes('route53:ChangeResourceRecordSets'),
    )) {
      const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c as object));
      expect(keys).toEqual(
        expect.arrayContaining([
          'route53:ChangeResourceRecordSetsNormalizedRecordNames',
          'route53:ChangeResourceRecordSetsRecordTypes',
        ]),
      );
    }
  });

  test('IAM: ebsKmsKeyArn grants the launch role the key EC2 encrypts the root volume with; none without it', () => {
    const kmsActions = (t: Template) =>
      statementsOf(t, 'LifecycleLaunchRole').filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kmsActions(template)).toEqual([]);
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const withKey = kmsActions(synth({ ebsKmsKeyArn: key }).template!);
    expect(withKey).toEqual([
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext'],
        Resource: key,
      }),
      expect.objectContaining({
        Action: 'kms:CreateGrant',
        Resource: key,
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    ]);
    expect(() =>
      readAppConfig((k) => ({ ...CONTEXT, ebsKmsKeyArn: 'alias/aws/ebs' })[k as 'jitsiDomain']),
    ).toThrow(/ebsKmsKeyArn: must be a KMS key ARN/);
  });

  test('IAM: the API may start executions of its own state machine only, and cannot touch EC2', () => {
    const api = statementsOf(template, 'ApiHandlerRole');
    const start = api.find((s) => actionsOf(s).includes('states:StartExecution'));
    expect(start?.Resource).toEqual({ Ref: expect.stringMatching(/^LifecycleStateMachine/) });
    expect(api.flatMap(actionsOf).filter((a) => a.startsWith('ec2:'))).toEqual([]);
  });

  test('API: admission at booking gets the published EC2 and Route 53 rates, the vCPU quota and its shares, the maximum lead', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          RUN_INSTANCES_REFILL_PER_SECOND: '2',
          RUN_INSTANCES_RESOURCE_REFILL_PER_SECOND: '2',
          ROUTE53_CHANGES_PER_SECOND: '5',
          LAUNCH_RATE_SHARE: '0.8',
          VCPU_QUOTA: '5000',
          VCPU_QUOTA_SHARE: '0.9',
          INSTANCE_VCPUS: '2',
          MAX_LAUNCH_LEAD_SECONDS: '1800',
        }),
      },
    });
    // A capacity fallback may launch the largest configured type: its vCPUs are the ones held.
    const raised = synth({
      instanceTypes: 'c6i.large,c6i.xlarge',
      vcpuQuota: 256,
      runInstancesRefillPerSecond: 5,
      maxLaunchLeadMinutes: 45,
    }).template!;
    raised.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          RUN_INSTANCES_REFILL_PER_SECOND: '5',
          VCPU_QUOTA: '256',
          INSTANCE_VCPUS: '4',
          MAX_LAUNCH_LEAD_SECONDS: '2700',
        }),
      },
    });
  });

  test('IAM: the admission ledger lives in the meetings table: the API may batch-read and delete its items, no new table', () => {
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toHaveLength(1);
    const api = statementsOf(template, 'ApiHandlerRole');
    const ddb = api.find((s) => actionsOf(s).includes('dynamodb:BatchGetItem'));
    expect(actionsOf(ddb!)).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
    expect(JSON.stringify(ddb!.Resource)).toMatch(/MeetingsTable/);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding, and every acknowledgement has a reason', () => {
    const { app } = synth({}, true);
    expect(() => app.synth()).not.toThrow();
    const acknowledged = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .filter(([id]) => id.includes('AwsSolutions'));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged)
      expect({ id, reason: reason.length > 20 }).toEqual({ id, reason: true });
  });

  test('cdk-nag check has teeth: an unacknowledged wildcard grant fails synthesis', () => {
    const { app } = synth({}, true, (stack) =>
      new iam.Role(stack, 'Careless', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      }).addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] })),
    );
    expect(() => app.synth()).toThrow(/[Vv]alidation/);
  });
});

describe('configuration', () => {
  test('names the bad context key', () => {
    expect(() => readAppConfig((k) => ({ ...CONTEXT, jitsiDomain: 'not a domain' })[k])).toThrow(
      /jitsiDomain/,
    );
    expect(() => readAppConfig((k) => ({ ...CONTEXT, hostedZoneId: undefined })[k as 'jitsiDomain'])).toThrow(
      /hostedZoneId/,
    );
    expect(() => readAppConfig((k) => ({ ...CONTEXT, launchLeadMinutes: 'ten' })[k])).toThrow(
      /launchLeadMinutes/,
    );
    expect(() => readAppConfig((k) => ({ ...CONTEXT, apiAuth: 'jwt' })[k])).toThrow(
      /apiAuth=jwt needs jwtIssuer/,
    );
    const jwt = { apiAuth: 'jwt', jwtIssuer: 'https://auth.example.com/', jwtAudience: 'meetings' };
    expect(() => readAppConfig((k) => ({ ...CONTEXT, ...jwt })[k as 'jitsiDomain'])).toThrow(
      /jwtScope: required with apiAuth=jwt/,
    );
    expect(() =>
      readAppConfig((k) => ({ ...CONTEXT, ...jwt, jwtScope: 'two scopes' })[k as 'jitsiDomain']),
    ).toThrow(/jwtScope: must be one OAuth scope/);
  });

  test('room checks: every 5 min, 5-min overrun steps, 15 min at most by default; at most one check a minute', () => {
    expect(readAppConfig((k) => CONTEXT[k as keyof typeof CONTEXT])).toMatchObject({
      occupancyCheckIntervalMinutes: 5,
      overrunStepMinutes: 5,
      maxOverrunMinutes: 15,
    });
    for (const [key, value] of [
      ['occupancyCheckIntervalMinutes', '0'],
      ['occupancyCheckIntervalMinutes', '0.5'],
      ['overrunStepMinutes', '0'],
      ['maxOverrunMinutes', '61'],
      ['maxOverrunMinutes', '-1'],
    ])
      expect(() => readAppConfig((k) => ({ ...CONTEXT, [key]: value })[k as 'jitsiDomain'])).toThrow(
        new RegExp(`invalid CDK context: ${key}:`),
      );
    const template = synth({ occupancyCheckIntervalMinutes: 2, maxOverrunMinutes: 0 }).template!;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          OCCUPANCY_CHECK_INTERVAL_SECONDS: '120',
          OVERRUN_STEP_SECONDS: '300',
          MAX_OVERRUN_SECONDS: '0',
        }),
      },
    });
  });

  test('lead time and check delay come from context', () => {
    const c = readAppConfig(
      (k) => ({ ...CONTEXT, launchLeadMinutes: 5, attendanceCheckDelayMinutes: '20' })[k],
    );
    expect(c).toMatchObject({
      launchLeadMinutes: 5,
      attendanceCheckDelayMinutes: 20,
      instanceTypes: ['c6i.large', 'c5.large', 'm6i.large'],
    });
    const template = synth({ launchLeadMinutes: 5 }).template!;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ LAUNCH_LEAD_SECONDS: '300', ATTENDANCE_CHECK_DELAY_SECONDS: '900' }),
      },
    });
  });
});
