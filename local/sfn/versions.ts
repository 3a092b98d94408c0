import { SfnError } from './errors';
import type { StateMachineAlias, StateMachineRecord, StateMachineVersion } from './records';

/**
 * State machine versions and aliases, as pure functions over the machine's record (which keeps both, so they
 * are saved, and deleted, with it). A version's ARN is the machine's ARN and its number, an alias's the machine's
 * ARN and the alias name ("stateMachineARN:1", "stateMachineARN:PROD": API reference, DescribeStateMachine).
 */

/** AWS's quotas: 1,000 versions and 100 aliases per state machine (API reference, PublishStateMachineVersion). */
const MAX_VERSIONS = 1000;
const MAX_ALIASES = 100;
/** CharacterRestrictedName in the service model: an alias name holds at least one non-digit. */
const ALIAS_NAME = /^(?=.*[a-zA-Z_.-])[a-zA-Z0-9_.-]{1,80}$/;

export interface QualifiedArn {
  stateMachineArn: string;
  /** A version number, or an alias name. */
  version?: number;
  alias?: string;
}

/** Splits `…:stateMachine:name[:qualifier]`. */
export function parseQualified(arn: string): QualifiedArn {
  const m = /^(arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80})(?::([^:]+))?$/.exec(
    arn,
  );
  if (!m) throw new SfnError('InvalidArn', `Invalid Arn: '${arn}'`);
  const [, stateMachineArn, qualifier] = m;
  if (qualifier === undefined) return { stateMachineArn };
  if (/^\d+$/.test(qualifier)) return { stateMachineArn, version: Number(qualifier) };
  if (!ALIAS_NAME.test(qualifier)) throw new SfnError('InvalidArn', `Invalid Arn: '${arn}'`);
  return { stateMachineArn, alias: qualifier };
}

export const versionArn = (m: StateMachineRecord, v: StateMachineVersion) =>
  `${m.stateMachineArn}:${v.version}`;
export const aliasArn = (m: StateMachineRecord, a: StateMachineAlias) => `${m.stateMachineArn}:${a.name}`;

/**
 * PublishStateMachineVersion: a snapshot of the current revision. Idempotent: the current revision, already
 * published, answers its version. `revisionId` must be the current one (INITIAL before any update), else
 * ConflictException.
 */
export function publishVersion(
  m: StateMachineRecord,
  args: { revisionId?: string; description?: string },
  now: number,
): StateMachineVersion {
  if (m.status === 'DELETING')
    throw new SfnError('StateMachineDeleting', `State machine is being deleted: '${m.stateMachineArn}'`);
  const current = m.revisionId ?? 'INITIAL';
  if (args.revisionId !== undefined && args.revisionId !== current)
    throw new SfnError(
      'ConflictException',
      `Failed to publish the state machine version: revisionId ${args.revisionId} is not the current revision ${current}`,
    );
  if (args.description !== undefined && args.description.length > 256)
    throw new SfnError('ValidationException', 'description must be at most 256 characters');
  m.versions ??= [];
  const existing = m.versions.find((v) => (v.revisionId ?? 'INITIAL') === current);
  if (existing) return existing;
  if (m.versions.length >= MAX_VERSIONS)
    throw new SfnError(
      'ServiceQuotaExceededException',
      `A state machine has at most ${MAX_VERSIONS} versions: delete unused ones (${m.stateMachineArn})`,
    );
  const version: StateMachineVersion = {
    version: m.nextVersion ?? 1,
    definition: m.definition,
    roleArn: m.roleArn,
    ...(m.revisionId ? { revisionId: m.revisionId } : {}),
    ...(args.description !== undefined ? { description: args.description } : {}),
    creationDate: now,
  };
  m.nextVersion = version.version + 1;
  m.versions.push(version);
  return version;
}

export function findVersion(m: StateMachineRecord, version: number): StateMachineVersion | undefined {
  return m.versions?.find((v) => v.version === version);
}

export function versionOf(m: StateMachineRecord, arn: string): StateMachineVersion {
  const { stateMachineArn, version } = parseQualified(arn);
  const v =
    stateMachineArn === m.stateMachineArn && version !== undefined ? findVersion(m, version) : undefined;
  if (!v) throw new SfnError('ResourceNotFound', `Resource not found: '${arn}'`);
  return v;
}

/** ListStateMachineVersions answers the newest first. */
export const listVersions = (m: StateMachineRecord) =>
  [...(m.versions ?? [])].sort((a, b) => b.version - a.version);

/** DeleteStateMachineVersion: refused while an alias routes to it; deleting what is not there succeeds. */
export function deleteVersion(m: StateMachineRecord, version: number): StateMachineVersion | undefined {
  const v = findVersion(m, version);
  if (!v) return undefined;
  const arn = versionArn(m, v);
  const used = (m.aliases ?? []).find((a) =>
    a.routingConfiguration.some((r) => r.stateMachineVersionArn === arn),
  );
  if (used)
    throw new SfnError(
      'ConflictException',
      `Version ${arn} is referenced by alias ${aliasArn(m, used)}: update or delete the alias first`,
    );
  m.versions = m.versions!.filter((x) => x !== v);
  return v;
}

/** A routing configuration: one or two versions of this machine, weights 0–100 adding up to 100. */
function checkRouting(m: StateMachineRecord, routing: unknown): StateMachineAlias['routingConfiguration'] {
  if (!Array.isArray(routing) || routing.length < 1 || routing.length > 2)
    throw new SfnError('ValidationException', 'routingConfiguration must list one or two versions');
  const items = routing.map((r: { stateMachineVersionArn?: unknown; weight?: unknown }) => {
    if (typeof r?.stateMachineVersionArn !== 'string')
      throw new SfnError(
        'ValidationException',
        'routingConfiguration: every item needs a stateMachineVersionArn',
      );
    if (typeof r.weight !== 'number' || !Number.isInteger(r.weight) || r.weight < 0 || r.weight > 100)
      throw new SfnError(
        'ValidationException',
        'routingConfiguration: weight must be an integer from 0 to 100',
      );
    const { stateMachineArn, version } = parseQualified(r.stateMachineVersionArn);
    if (version === undefined || stateMachineArn !== m.stateMachineArn)
      throw new SfnError(
        'ValidationException',
        `routingConfiguration: ${r.stateMachineVersionArn} is not a version of ${m.stateMachineArn}`,
      );
    if (!findVersion(m, version))
      throw new SfnError('ResourceNotFound', `Resource not found: '${r.stateMachineVersionArn}'`);
    return { stateMachineVersionArn: r.stateMachineVersionArn, weight: r.weight };
  });
  if (items.length === 2 && items[0].stateMachineVersionArn === items[1].stateMachineVersionArn)
    throw new SfnError('ValidationException', 'routingConfiguration: the two versions must differ');
  if (items.reduce((sum, r) => sum + r.weight, 0) !== 100)
    throw new SfnError('ValidationException', 'routingConfiguration: the weights must add up to 100');
  return items;
}

/** CreateStateMachineAlias: idempotent for the same name and settings, ConflictException for other ones. */
export function createAlias(
  m: StateMachineRecord,
  args: { name: string; description?: string; routingConfiguration: unknown },
  now: number,
): StateMachineAlias {
  if (!ALIAS_NAME.test(args.name)) throw new SfnError('InvalidName', `Invalid Name: '${args.name}'`);
  if (m.status === 'DELETING')
    throw new SfnError('StateMachineDeleting', `State machine is being deleted: '${m.stateMachineArn}'`);
  const routingConfiguration = checkRouting(m, args.routingConfiguration);
  m.aliases ??= [];
  const existing = m.aliases.find((a) => a.name === args.name);
  if (existing) {
    const same =
      existing.description === args.description &&
      JSON.stringify(existing.routingConfiguration) === JSON.stringify(routingConfiguration);
    if (same) return existing;
    throw new SfnError(
      'ConflictException',
      `Alias ${aliasArn(m, existing)} already exists with other settings`,
    );
  }
  if (m.aliases.length >= MAX_ALIASES)
    throw new SfnError('ServiceQuotaExceededException', `A state machine has at most ${MAX_ALIASES} aliases`);
  const alias: StateMachineAlias = {
    name: args.name,
    ...(args.description !== undefined ? { description: args.description } : {}),
    routingConfiguration,
    creationDate: now,
  };
  m.aliases.push(alias);
  return alias;
}

export function aliasOf(m: StateMachineRecord, arn: string): StateMachineAlias {
  const { stateMachineArn, alias } = parseQualified(arn);
  const a = stateMachineArn === m.stateMachineArn ? m.aliases?.find((x) => x.name === alias) : undefined;
  if (!a) throw new SfnError('ResourceNotFound', `Resource not found: '${arn}'`);
  return a;
}

export function updateAlias(
  m: StateMachineRecord,
  arn: string,
  change: { description?: string; routingConfiguration?: unknown },
  now: number,
): StateMachineAlias {
  const a = aliasOf(m, arn);
  if (change.description === undefined && change.routingConfiguration === undefined)
    throw new SfnError(
      'ValidationException',
      'Either the description or the routingConfiguration must be specified',
    );
  if (change.routingConfiguration !== undefined)
    a.routingConfiguration = checkRouting(m, change.routingConfiguration);
  if (change.description !== undefined) a.description = change.description;
  a.updateDate = now;
  return a;
}

export function deleteAlias(m: StateMachineRecord, arn: string): void {
  aliasOf(m, arn);
  const { alias } = parseQualified(arn);
  m.aliases = (m.aliases ?? []).filter((a) => a.name !== alias);
}

/** The version an execution started through the alias runs: picked at random, in proportion to the weights. */
export function routeAlias(a: StateMachineAlias, random = Math.random()): string {
  let left = random * 100;
  for (const r of a.routingConfiguration) {
    if (left < r.weight) return r.stateMachineVersionArn;
    left -= r.weight;
  }
  return a.routingConfiguration.find((r) => r.weight > 0)!.stateMachineVersionArn;
}
