import type { CfnElement } from 'aws-cdk-lib';
import { join } from 'node:path';
import type { AwsCallTable, CallSite, ImageFacts } from '../../functions/shared/awsCalls';
import { awsCalls as instanceCalls } from '../../infra/bootstrap/awsCalls';
import { CANONICAL_OWNER_ID, JitsiFleet } from '../../infra/constructs/jitsiFleet';
import { BAKED_IMAGE_TAG_KEY } from '../../infra/constructs/jitsiImage';
import { FUNCTIONS_DIR, TaskFunction } from '../../infra/constructs/taskFunction';
import type { Role } from './iamSimulation';
import { ACCOUNT, templateResolver } from './resolveTemplate';
import { synth } from './stackTemplate';
import { awsCalls as stateMachineCalls } from '../../statemachine/awsCalls';

/**
 * One role whose calls are simulated: a function's (by its folder under functions/), the meeting server's
 * ('instance'), or the state machine's ('statemachine').
 */
export interface Subject {
  name: string;
  role: Role;
  site: CallSite;
  table: AwsCallTable;
}

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
interface LaunchTemplateData {
  SecurityGroupIds: unknown[];
  IamInstanceProfile: { Arn: { 'Fn::GetAtt': [string, string] } };
  ImageId: string;
  UserData: unknown;
  MetadataOptions: { HttpTokens: string; InstanceMetadataTags: string };
  BlockDeviceMappings: { Ebs: { Encrypted: boolean; VolumeSize: number; VolumeType: string } }[];
}

/**
 * Synthesizes the stack once (default context) and gathers, for every TaskFunction and for the meeting server:
 * its role's policies, the environment the code runs with, and its table of calls (functions/<dir>/awsCalls.ts,
 * infra/bootstrap/awsCalls.ts). What the launch template decides (security group, instance profile, image
 * parameter, metadata options, root volume) is read from the template too.
 */
export async function permissionSubjects(): Promise<Map<string, Subject>> {
  const { stack, template: t } = synth();
  const template = t!.toJSON() as Template;
  const { resolve, getAtt } = templateResolver(template);
  const logicalId = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as CfnElement);
  const roleOf = (roleId: string): Role => ({
    arn: getAtt(roleId, 'Arn'),
    policies: Object.entries(template.Resources)
      .filter(
        ([, r]) =>
          r.Type === 'AWS::IAM::Policy' &&
          (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleId),
      )
      .map(([id, r]) => ({ name: id, policy: resolve(r.Properties.PolicyDocument) })),
  });
  const envOf = (fnId: string) =>
    resolve((template.Resources[fnId].Properties.Environment as { Variables: unknown }).Variables) as Record<
      string,
      string
    >;

  const fleet = stack.node.findAll().find((c): c is JitsiFleet => c instanceof JitsiFleet)!;
  const lt = template.Resources[logicalId(fleet.launchTemplate)].Properties
    .LaunchTemplateData as LaunchTemplateData;
  const [profileRole] = template.Resources[lt.IamInstanceProfile.Arn['Fn::GetAtt'][0]].Properties.Roles as {
    Ref: string;
  }[];
  const [root] = lt.BlockDeviceMappings;
  const stateMachineId = Object.keys(template.Resources).find(
    (id) => template.Resources[id].Type === 'AWS::StepFunctions::StateMachine',
  )!;
  const functions = stack.node.findAll().filter((c): c is TaskFunction => c instanceof TaskFunction);
  const apiEnv = envOf(logicalId(functions.find((f) => f.entryDir === 'api')!.fn));
  // A baked image of the pipeline (this account, tagged), and Canonical's stock image before the first.
  const images: ImageFacts[] = [
    {
      id: 'ami-0baked0000000000a',
      owner: ACCOUNT.account,
      tags: { [BAKED_IMAGE_TAG_KEY]: 'meeting-scheduler' },
    },
    { id: 'ami-0stock0000000000b', owner: CANONICAL_OWNER_ID, tags: {} },
  ];
  const base: Omit<CallSite, 'env'> = {
    ...ACCOUNT,
    jitsiDomain: apiEnv.JITSI_DOMAIN,
    stateMachineArn: resolve({ Ref: stateMachineId }) as string,
    launchTemplate: {
      securityGroupIds: resolve(lt.SecurityGroupIds) as string[],
      instanceRoleArn: getAtt(profileRole.Ref, 'Arn'),
      imageParameterName: lt.ImageId.replace(/^resolve:ssm:/, ''),
      instanceContext: {
        'ec2:MetadataHttpTokens': lt.MetadataOptions.HttpTokens,
        'ec2:InstanceMetadataTags': lt.MetadataOptions.InstanceMetadataTags,
      },
      volumeContext: {
        'ec2:Encrypted': String(root.Ebs.Encrypted),
        'ec2:VolumeType': root.Ebs.VolumeType,
        'ec2:VolumeSize': String(root.Ebs.VolumeSize),
      },
    },
    images,
  };
  const subjects = new Map<string, Subject>();
  for (const f of functions) {
    const { awsCalls } = (await import(join(FUNCTIONS_DIR, f.entryDir, 'awsCalls'))) as {
      awsCalls: AwsCallTable;
    };
    subjects.set(f.entryDir, {
      name: f.entryDir,
      role: roleOf(logicalId(f.role)),
      site: { ...base, env: envOf(logicalId(f.fn)) },
      table: awsCalls,
    });
  }
  // The server reads its settings from the user data the template carries.
  const userData = String(resolve(lt.UserData));
  const secretId = /^CERTIFICATE_SECRET_ID='?([^'\n]+)'?$/m.exec(userData)?.[1];
  if (!secretId) throw new Error('no CERTIFICATE_SECRET_ID in the user data');
  subjects.set('instance', {
    name: 'instance',
    role: roleOf(logicalId(fleet.instanceRole)),
    site: { ...base, env: { CERTIFICATE_SECRET_ID: secretId } },
    table: instanceCalls,
  });
  const machine = template.Resources[stateMachineId].Properties as {
    RoleArn: { 'Fn::GetAtt': [string, string] };
    DefinitionSubstitutions: unknown;
  };
  subjects.set('statemachine', {
    name: 'statemachine',
    role: roleOf(machine.RoleArn['Fn::GetAtt'][0]),
    site: { ...base, env: resolve(machine.DefinitionSubstitutions) as Record<string, string> },
    table: stateMachineCalls,
  });
  return subjects;
}
