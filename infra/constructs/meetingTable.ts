import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { INDEX_BY_CREATED, INDEX_BY_STATUS } from '../../functions/shared/store';

/** The meetings table: one item per meeting, two "newest first" indexes for the admin listing. */
export class MeetingTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const createdAt = { name: 'createdAt', type: dynamodb.AttributeType.STRING };
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      // Meetings are business records: keep them if the stack is deleted by mistake.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: INDEX_BY_CREATED,
      partitionKey: { name: 'kind', type: dynamodb.AttributeType.STRING },
      sortKey: createdAt,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: INDEX_BY_STATUS,
      partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING },
      sortKey: createdAt,
    });
  }
}
