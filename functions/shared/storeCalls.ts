import { arn, type AwsCall, type CallSite } from './awsCalls';
import { INDEX_BY_CREATED, INDEX_BY_STATUS } from './store';

/** The meetings table's calls (MeetingStore in store.ts, LaunchSlotsLedger in launchSlotsLedger.ts). */

type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchGetItem';

const tableArn = (site: CallSite) => arn(site, 'dynamodb', `table/${site.env.TABLE_NAME}`);

/** One call per action on the table itself. */
export function tableCalls(site: CallSite, actions: TableAction[], why: string): AwsCall[] {
  return actions.map((a) => ({
    command: `${a}Command`,
    action: `dynamodb:${a}`,
    resource: tableArn(site),
    why: `${why} (${a})`,
  }));
}

/** MeetingStore.list: newest first (byCreatedAt) or by status (byStatus); Query is authorized on the index. */
export function queryIndexes(
  site: CallSite,
  indexes: string[] = [INDEX_BY_CREATED, INDEX_BY_STATUS],
): AwsCall[] {
  return indexes.map((index) => ({
    command: 'QueryCommand',
    action: 'dynamodb:Query',
    resource: `${tableArn(site)}/index/${index}`,
    why: `lists meetings (index ${index})`,
  }));
}
