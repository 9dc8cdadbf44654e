import type { Alarm, IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertingProps {
  /**
   * An address subscribed to the alert topic (it must confirm the subscription by email).
   * @default - no subscription; subscribe people or a pager integration yourself
   */
  readonly alertEmail?: string;
}

/**
 * The alert topic: where alarms (and, with the auditor, findings) reach a person. Encrypted with
 * a key of its own, because CloudWatch alarms cannot publish to a topic under the AWS-managed SNS
 * key; the key policy lets CloudWatch use it.
 */
export class Alerting extends Construct {
  readonly topic: Topic;
  /** The topic's key: a publisher needs `kms:GenerateDataKey` and `kms:Decrypt` on it. */
  readonly key: Key;
  /** Every alarm sent to the topic, in the order they were added (the dashboard lists them). */
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlertingProps = {}) {
    super(scope, id);
    this.key = new Key(this, 'key', {
      description: 'Encrypts the Paytia webhook alert topic',
      enableKeyRotation: true,
    });
    this.key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    // Nobody needs a grant on this key; only an AWS service acting for an AWS resource may create one.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyGrantsExceptForAwsServices',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
    this.topic = new Topic(this, 'topic', {
      displayName: 'Paytia webhook alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.alertEmail) this.topic.addSubscription(new EmailSubscription(props.alertEmail));
  }

  /** Sends the alarm's state changes to the topic, into ALARM and back to OK. */
  notify(alarm: IAlarm & Alarm): void {
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}
