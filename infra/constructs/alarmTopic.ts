import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** An existing topic (alarmTopicArn) to notify instead of one this stack creates. */
  existingTopicArn?: string;
  /** Subscribed to the topic by e-mail (AWS sends a confirmation message first). */
  email?: string;
}

/**
 * Where every alarm of the stack notifies (alarm and back to OK): a topic of the stack's own, or the one named
 * by alarmTopicArn.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = props.existingTopicArn
      ? sns.Topic.fromTopicArn(this, 'Existing', props.existingTopicArn)
      : new sns.Topic(this, 'Topic', {
          displayName: 'meeting-scheduler alarms',
          // A topic policy denying sns:Publish without TLS (aws:SecureTransport), cdk-nag AwsSolutions-SNS3.
          enforceSSL: true,
        });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }
}
