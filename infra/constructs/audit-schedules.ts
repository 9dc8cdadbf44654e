import { Duration, TimeZone, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { InvokeFunction } from './invoke-function.js';

export interface AuditSchedulesProps {
  /** The audit function the schedules invoke. */
  readonly function: LambdaFunction;
  /** Minutes between audit runs over the pending deliveries. */
  readonly rateMinutes: number;
  /** Minutes between sweeps of the recent window. */
  readonly sweepRateMinutes: number;
}

/**
 * The audit function's schedules (the audit every `rateMinutes`, the recent sweep every
 * `sweepRateMinutes`, the previous day's sweep daily) and the queue where a run that failed for
 * good lands, with its payload. Returns that queue.
 */
export function scheduleAuditRuns(scope: Construct, props: AuditSchedulesProps): Queue {
  const failedRuns = failedRunsQueue(scope, props.function);
  const target = (input: Record<string, string>) =>
    new InvokeFunction(props.function, {
      input: ScheduleTargetInput.fromObject(input),
      deadLetterQueue: failedRuns,
      // These retries only cover Lambda refusing the invocation itself: a few within the hour,
      // then the failed-runs queue.
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    });
  new Schedule(scope, 'audit-schedule', {
    description: 'Audits Paytia webhooks waiting in the pending-audit index',
    schedule: ScheduleExpression.rate(Duration.minutes(props.rateMinutes)),
    target: target({ mode: 'audit' }),
  });
  new Schedule(scope, 'sweep-schedule', {
    description: 'Sweeps recent Paytia payments for webhooks that never arrived',
    schedule: ScheduleExpression.rate(Duration.minutes(props.sweepRateMinutes)),
    target: target({ mode: 'sweep', window: 'recent' }),
  });
  // 02:30 UTC: the previous day is over by more than any settle delay, and this is off the hour,
  // when the hourly sweep runs.
  new Schedule(scope, 'daily-sweep-schedule', {
    description: 'Sweeps the whole previous day (UTC) for payments with no webhook',
    schedule: ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.ETC_UTC }),
    target: target({ mode: 'sweep', window: 'previous_day' }),
  });
  return failedRuns;
}

/** The failed-runs queue: the schedules' dead-letter queue and the function's on-failure destination. */
function failedRunsQueue(scope: Construct, fn: LambdaFunction): Queue {
  const failedRuns = new Queue(scope, 'failed-runs', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const isTheDeadLetterQueue =
    'This queue is itself the dead-letter destination: of the three schedules (DeadLetterConfig) and ' +
    "of the audit function's asynchronous on-failure destination. A queue behind it would only move the " +
    'same messages again; what lands here raises the failed-runs-waiting alarm.';
  Validations.of(failedRuns).acknowledge(
    { id: 'AwsSolutions-SQS3', reason: isTheDeadLetterQueue },
    { id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: isTheDeadLetterQueue },
  );
  // The scheduler invokes asynchronously, so its dead-letter queue only sees invocations Lambda
  // refused. A run that fails in the function (or waits past its age in Lambda's queue behind
  // the reserved concurrency) only reaches a person through Lambda's own on-failure destination.
  // Both land here, with the payload, so an operator knows which run to repeat.
  fn.configureAsyncInvoke({
    retryAttempts: 2,
    maxEventAge: Duration.hours(1),
    onFailure: { bind: () => ({ destination: failedRuns.queueArn }) },
  });
  fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [failedRuns.queueArn] }));
  return failedRuns;
}
