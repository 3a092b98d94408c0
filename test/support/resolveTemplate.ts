import { createHash } from 'node:crypto';

/**
 * The synthesized template's values as one deployment would have them: pseudo-parameters, Ref and Fn::GetAtt
 * of the resources the IAM policies and function environments name, turned into made-up but well-formed
 * physical ids and ARNs (the same logical id always gives the same id). An intrinsic or resource type it does
 * not know throws, naming it, so a new kind of reference is added here rather than silently left unresolved.
 */
export interface Account {
  partition: string;
  region: string;
  account: string;
}

export const ACCOUNT: Account = { partition: 'aws', region: 'eu-central-1', account: '111122223333' };

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export function templateResolver(
  template: { Resources: Resources; Parameters?: Record<string, unknown> },
  at: Account = ACCOUNT,
) {
  const hex = (id: string, n = 17) => createHash('sha256').update(id).digest('hex').slice(0, n);
  const a = (service: string, resource: string, region = at.region, account = at.account) =>
    `arn:${at.partition}:${service}:${region}:${account}:${resource}`;
  const name = (id: string) => `MeetingScheduler-${id}-${hex(id, 8).toUpperCase()}`;

  const ref = (id: string): string => {
    const pseudo: Record<string, string> = {
      'AWS::Partition': at.partition,
      'AWS::Region': at.region,
      'AWS::AccountId': at.account,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'MeetingScheduler',
    };
    if (pseudo[id]) return pseudo[id];
    // SSM-typed stack parameters (the stock image id).
    if (template.Parameters?.[id]) return `ami-${hex(id)}`;
    const r = template.Resources[id];
    if (!r) throw new Error(`Ref to unknown ${id}`);
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::Lambda::Function':
      case 'AWS::IAM::Role':
      case 'AWS::IAM::InstanceProfile':
        return name(id);
      case 'AWS::SecretsManager::Secret':
        return a('secretsmanager', `secret:${id}-${hex(id, 6)}`);
      case 'AWS::StepFunctions::StateMachine':
        return a('states', `stateMachine:${name(id)}`);
      case 'AWS::EC2::LaunchTemplate':
        return `lt-${hex(id)}`;
      case 'AWS::EC2::Subnet':
        return `subnet-${hex(id)}`;
      default:
        throw new Error(`Ref to ${id}: no physical id for ${r.Type} yet`);
    }
  };

  const getAtt = (id: string, attr: string): string => {
    const type = template.Resources[id]?.Type;
    const key = `${type}.${attr}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return a('dynamodb', `table/${ref(id)}`);
      case 'AWS::Lambda::Function.Arn':
        return a('lambda', `function:${ref(id)}`);
      case 'AWS::IAM::Role.Arn':
        return a('iam', `role/${ref(id)}`, '');
      case 'AWS::IAM::InstanceProfile.Arn':
        return a('iam', `instance-profile/${ref(id)}`, '');
      case 'AWS::StepFunctions::StateMachine.Name':
        return name(id);
      case 'AWS::Logs::LogGroup.Arn':
        return a('logs', `log-group:${name(id)}:*`);
      case 'AWS::EC2::SecurityGroup.GroupId':
        return `sg-${hex(id)}`;
      default:
        throw new Error(`Fn::GetAtt ${id}.${attr}: not resolved for ${type} yet`);
    }
  };

  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      const [k] = keys;
      const arg = o[k];
      if (k === 'Ref') return ref(arg as string);
      if (k === 'Fn::GetAtt') return getAtt(...(arg as [string, string]));
      if (k === 'Fn::Join') {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolve(parts) as unknown[]).join(sep);
      }
      // User data: read as the server reads it, decoded.
      if (k === 'Fn::Base64') return resolve(arg);
      throw new Error(`intrinsic ${k} not resolved yet`);
    }
    return Object.fromEntries(keys.map((key) => [key, resolve(o[key])]));
  };

  return { resolve, ref, getAtt };
}
