import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS } from '../../shared/metrics.js';
import type { Alerting } from './alerting.js';
import { functionMetric } from './function-metric.js';

export interface AuditAlarmsProps {
  /** The audit function, whose errors raise the audit-failing alarm. */
  readonly function: IFunction;
  /** Where scheduled runs that failed for good land. */
  readonly failedRuns: IQueue;
  /** Minutes between audit runs. */
  readonly rateMinutes: number;
  /** Where the backlog-age alarm fires, in minutes. */
  readonly backlogAgeAlarmMinutes: number;
  /** Where the alarms go. */
  readonly alerting: Alerting;
}

/**
 * The auditor's alarms, each sent to the alert topic: a backlog that stays old, a critical finding,
 * a function that keeps failing, and a run that failed for good.
 */
export function addAuditAlarms(scope: Construct, props: AuditAlarmsProps): void {
  // Alarms that need several breaching periods in a row use periods no shorter than the audit
  // interval: with shorter ones, the periods between runs hold no data and never breach.
  const runPeriod = Duration.minutes(Math.max(5, props.rateMinutes));
  const alarms = [
    new Alarm(scope, 'backlog-age', {
      alarmDescription: `A Paytia webhook has waited over ${props.backlogAgeAlarmMinutes} minutes for its audit: the auditor is failing or falling behind (README runbook).`,
      metric: functionMetric('audit', METRICS.audit.oldestPendingAge, {
        statistic: 'Maximum',
        period: runPeriod,
      }),
      threshold: props.backlogAgeAlarmMinutes * 60,
      // Two periods: one slow run is not an incident, a backlog that stays old is.
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Every audit run reports it (0 when nothing waits). A run that reports nothing failed,
      // and the error alarm and the failed-runs queue speak for that.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    new Alarm(scope, 'critical-finding', {
      alarmDescription:
        'The auditor raised a critical finding (a webhook disagrees with what Paytia charged); see the finding on this topic.',
      metric: functionMetric('audit', METRICS.audit.findingsRaised, {
        statistic: 'Sum',
        period: Duration.minutes(5),
        value: 'critical',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    new Alarm(scope, 'audit-failing', {
      alarmDescription:
        'The audit function has failed in three consecutive periods: webhooks are not being audited (README runbook).',
      metric: props.function.metricErrors({ period: runPeriod, statistic: 'Sum' }),
      threshold: 1,
      // One failed run that its retry repairs does not page; a run that fails every attempt
      // pages through the failed-runs queue instead, so this one only has to catch persistence.
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    new Alarm(scope, 'failed-runs-waiting', {
      alarmDescription:
        'A scheduled audit or sweep failed for good; its payload is in the failed-runs queue (README runbook).',
      metric: props.failedRuns.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // SQS stops reporting a queue nobody touches for six hours, even with messages in it:
      // keep the state instead of reading the silence as "empty".
      treatMissingData: TreatMissingData.IGNORE,
    }),
  ];
  for (const alarm of alarms) props.alerting.notify(alarm);
}
