import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { Alerting } from '../../infra/constructs/alerting.js';
import { Audit, type AuditProps } from '../../infra/constructs/audit.js';
import { DeliveryTable } from '../../infra/constructs/delivery-table.js';
import { PaytiaWebhookStack, type PaytiaWebhookStackProps } from '../../infra/paytia-webhook-stack.js';
import { readSettings } from '../../infra/settings.js';

/** Synthesises the stack without bundling assets, like the other infra tests. */
function synth(props: PaytiaWebhookStackProps = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new PaytiaWebhookStack(app, 'PaytiaWebhooks', props));
}

/** The construct alone, for the tunables the stack does not expose. */
function synthAudit(props: Partial<AuditProps> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'AuditOnly');
  new Audit(stack, 'audit', {
    table: new DeliveryTable(stack, 'deliveries').table,
    paytiaSecret: new Secret(stack, 'paytia-credentials'),
    webhookTokenSecret: new Secret(stack, 'webhook-token'),
    paytiaBaseUrl: 'https://accounts.pay729.guru/',
    alerting: new Alerting(stack, 'alerting'),
    ...props,
  });
  return Template.fromStack(stack);
}

type Resource = { Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

let template: Template;

beforeAll(() => {
  template = synth({ paytiaBaseUrl: 'https://accounts.pay729.net/' });
});

/** The logical id of the only resource of this type (matching these properties). */
function onlyId(type: string, properties?: Record<string, unknown>): string {
  const ids = Object.keys(template.findResources(type, properties ? { Properties: properties } : undefined));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

const auditFunctionId = () =>
  onlyId('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'audit' }) },
  });
const auditFunction = () => template.toJSON().Resources[auditFunctionId()] as Resource;
const queueId = () => onlyId('AWS::SQS::Queue');
const topicId = () => onlyId('AWS::SNS::Topic');
const busId = () => onlyId('AWS::Events::EventBus');
const tableId = () => onlyId('AWS::DynamoDB::GlobalTable');
const paytiaSecretId = () =>
  onlyId('AWS::SecretsManager::Secret', {
    GenerateSecretString: Match.objectLike({ GenerateStringKey: 'placeholder' }),
  });
const webhookTokenSecretId = () =>
  onlyId('AWS::SecretsManager::Secret', { Name: 'PaytiaWebhooks/webhook-token' });
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

function auditSchedules(from: Template = template): Array<Record<string, unknown>> {
  const functionIds = Object.keys(
    from.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'audit' }) } },
    }),
  );
  expect(functionIds).toHaveLength(1);
  return Object.values(from.findResources('AWS::Scheduler::Schedule'))
    .map((schedule) => (schedule as Resource).Properties)
    .filter(
      (properties) =>
        JSON.stringify((properties.Target as { Arn: unknown }).Arn) ===
        JSON.stringify(getAtt(functionIds[0] as string)),
    );
}

const inputOf = (schedule: Record<string, unknown>) =>
  JSON.parse((schedule.Target as { Input: string }).Input) as unknown;

describe('audit schedules', () => {
  it('invokes the audit every 5 minutes, the recent sweep hourly and the previous-day sweep at 02:30 UTC', () => {
    const schedules = auditSchedules().map((schedule) => ({
      expression: schedule.ScheduleExpression,
      timeZone: schedule.ScheduleExpressionTimezone,
      state: schedule.State,
      input: inputOf(schedule),
    }));

    expect(schedules).toHaveLength(3);
    expect(schedules).toEqual(
      expect.arrayContaining([
        { expression: 'rate(5 minutes)', timeZone: 'Etc/UTC', state: 'ENABLED', input: { mode: 'audit' } },
        {
          expression: 'rate(1 hour)',
          timeZone: 'Etc/UTC',
          state: 'ENABLED',
          input: { mode: 'sweep', window: 'recent' },
        },
        {
          expression: 'cron(30 2 * * ? *)',
          timeZone: 'Etc/UTC',
          state: 'ENABLED',
          input: { mode: 'sweep', window: 'previous_day' },
        },
      ]),
    );
  });

  it('sends each invocation that still fails after 2 retries within an hour to the failed-runs queue', () => {
    const schedules = auditSchedules();
    expect(schedules).toHaveLength(3);
    for (const schedule of schedules) {
      expect(schedule.Target).toMatchObject({
        DeadLetterConfig: { Arn: getAtt(queueId()) },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      });
    }
  });

  it('takes the audit and sweep rates as stack props', () => {
    const expressions = auditSchedules(synth({ auditRateMinutes: 10, sweepRateMinutes: 180 })).map(
      (schedule) => schedule.ScheduleExpression,
    );
    expect(expressions.sort()).toEqual(['cron(30 2 * * ? *)', 'rate(10 minutes)', 'rate(3 hours)']);
  });

  it.each([
    [{ auditRateMinutes: 0 }, /rateMinutes must be a whole number from 1 to 60/],
    [{ auditRateMinutes: 61 }, /rateMinutes must be a whole number from 1 to 60/],
    [{ auditRateMinutes: 2.5 }, /rateMinutes must be a whole number from 1 to 60/],
    [{ sweepRateMinutes: 14 }, /sweepRateMinutes must be a whole number from 15 to 1440/],
    [{ sweepRateMinutes: 1441 }, /sweepRateMinutes must be a whole number from 15 to 1440/],
  ])('refuses %o at synth', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe('failed-runs queue', () => {
  it('is encrypted, refuses plain HTTP and keeps a failed run for 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it("is also the function's on-failure destination, because the scheduler invokes asynchronously", () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: auditFunctionId() },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: getAtt(queueId()) } },
    });
  });
});

describe('audit function', () => {
  it('runs Node.js 24 on arm64, one run at a time, for at most 5 minutes with 512 MB', () => {
    expect(auditFunction().Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 300,
      MemorySize: 512,
      ReservedConcurrentExecutions: 1,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: expect.anything() },
    });
    // Traced only when the deploy says so (observability.test.ts).
    expect(auditFunction().Properties.TracingConfig).toBeUndefined();
  });

  it('gets exactly the configuration the audit function reads, with its defaults', () => {
    expect(auditFunction().Properties.Environment).toEqual({
      Variables: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'audit',
        POWERTOOLS_METRICS_NAMESPACE: 'PaytiaWebhooks',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        TABLE_NAME: { Ref: tableId() },
        PAYTIA_SECRET_ID: { Ref: paytiaSecretId() },
        PAYTIA_BASE_URL: 'https://accounts.pay729.net/',
        ALERT_TOPIC_ARN: { Ref: topicId() },
        EVENT_BUS_NAME: { Ref: busId() },
        AUDIT_SETTLE_SECONDS: '120',
        AUDIT_VERIFICATION_WINDOW_SECONDS: '1800',
        AUDIT_CONCURRENCY: '4',
        AUDIT_TIME_BUDGET_SECONDS: '240',
        PAYTIA_MAX_REQUESTS_PER_SECOND: '10',
        AUDIT_MAX_ATTEMPTS: '10',
        SWEEP_SETTLE_MINUTES: '15',
        SWEEP_MAX_WINDOW_HOURS: '48',
        RETENTION_DAYS: '400',
        PAYTIA_TIME_ZONE: 'Europe/London',
        PAYTIA_CLOCK_TOLERANCE_MINUTES: '120',
        AUDIT_PENDING_LIMIT_HOURS: '24',
        WEBHOOK_TOKEN_SECRET_ID: { Ref: webhookTokenSecretId() },
        ALERT_STORM_THRESHOLD: '10',
        ALERT_STORM_WINDOW_SECONDS: '3600',
      },
    });
  });

  it('passes the settle delay, retention and Paytia request rate from the stack and every tunable from the construct', () => {
    synth({
      auditSettleSeconds: 300,
      retentionDays: 30,
      paytiaMaxRequestsPerSecond: 4,
      alertStormThreshold: 5,
      alertStormWindowMinutes: 15,
    }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'audit',
          AUDIT_SETTLE_SECONDS: '300',
          RETENTION_DAYS: '30',
          ALERT_STORM_THRESHOLD: '5',
          ALERT_STORM_WINDOW_SECONDS: '900',
          PAYTIA_MAX_REQUESTS_PER_SECOND: '4',
        }),
      },
    });
    synthAudit({
      settleSeconds: 0,
      verificationWindowMinutes: 60,
      concurrency: 8,
      timeBudgetSeconds: 120,
      paytiaMaxRequestsPerSecond: 25,
      maxAttempts: 3,
      sweepSettleMinutes: 30,
      sweepMaxWindowHours: 24,
    }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AUDIT_SETTLE_SECONDS: '0',
          AUDIT_VERIFICATION_WINDOW_SECONDS: '3600',
          AUDIT_CONCURRENCY: '8',
          AUDIT_TIME_BUDGET_SECONDS: '120',
          PAYTIA_MAX_REQUESTS_PER_SECOND: '25',
          AUDIT_MAX_ATTEMPTS: '3',
          SWEEP_SETTLE_MINUTES: '30',
          SWEEP_MAX_WINDOW_HOURS: '24',
        }),
      },
    });
  });

  it('keeps the default time budget within a shorter audit interval, so runs never queue', () => {
    synthAudit({ rateMinutes: 2 }).hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 300,
      Environment: { Variables: Match.objectLike({ AUDIT_TIME_BUDGET_SECONDS: '96' }) },
    });
  });

  it.each([
    [{ concurrency: 0 }, /Audit: .*AUDIT_CONCURRENCY/],
    [{ paytiaMaxRequestsPerSecond: 0 }, /Audit: .*PAYTIA_MAX_REQUESTS_PER_SECOND/],
    [{ timeBudgetSeconds: 0 }, /Audit: .*AUDIT_TIME_BUDGET_SECONDS/],
    [{ timeBudgetSeconds: 241 }, /timeBudgetSeconds \(241\) must leave 60 s of the function's 300 s timeout/],
    [
      { rateMinutes: 2, timeBudgetSeconds: 120 },
      /timeBudgetSeconds \(120\) must be shorter than the audit interval/,
    ],
    [{ retentionDays: 0 }, /Audit: .*RETENTION_DAYS/],
    [{ alertStormThreshold: 0 }, /Audit: .*ALERT_STORM_THRESHOLD/],
    [{ verificationWindowMinutes: 0 }, /Audit: .*AUDIT_VERIFICATION_WINDOW_SECONDS/],
    [{ paytiaBaseUrl: 'accounts.pay729.net' }, /Audit: .*PAYTIA_BASE_URL/],
    [{ sweepMaxWindowHours: 1, sweepRateMinutes: 120 }, /sweepRateMinutes \(120\) must not exceed/],
    [{ backlogAgeAlarmMinutes: 6 }, /backlogAgeAlarmMinutes \(6\) must be longer than the settle delay/],
  ])('refuses %o at synth, naming the setting the function would refuse', (props, message) => {
    expect(() => synthAudit(props)).toThrow(message);
  });

  it('may query the table and its three indexes, read and write items, read the Paytia secret, publish alerts and verified events, dead-letter a failed run and write its logs: nothing else', () => {
    const roleId = (auditFunction().Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
    const grants = statements.map((statement) => ({
      effect: statement.Effect,
      actions: [statement.Action].flat().sort(),
      resources: [statement.Resource].flat(),
      condition: statement.Condition,
    }));
    const table = getAtt(tableId());
    const index = (name: string) => ({ 'Fn::Join': ['', [table, `/index/${name}`]] });
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    const logGroup = (auditFunction().Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;

    expect(grants).toEqual(
      expect.arrayContaining([
        {
          effect: 'Allow',
          actions: ['dynamodb:Query'],
          resources: [index('pending-audit'), index('by-reference'), index('by-transaction')],
          condition: undefined,
        },
        {
          effect: 'Allow',
          actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resources: [table],
          condition: undefined,
        },
        {
          effect: 'Allow',
          actions: ['secretsmanager:GetSecretValue'],
          // The webhook token only to keep it out of findings (Paytia echoes it in its logs).
          resources: [{ Ref: paytiaSecretId() }, { Ref: webhookTokenSecretId() }],
          condition: undefined,
        },
        { effect: 'Allow', actions: ['sns:Publish'], resources: [{ Ref: topicId() }], condition: undefined },
        {
          effect: 'Allow',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [getAtt(keyId as string)],
          condition: {
            StringEquals: {
              'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
            },
          },
        },
        {
          effect: 'Allow',
          actions: ['events:PutEvents'],
          resources: [getAtt(busId())],
          condition: undefined,
        },
        {
          effect: 'Allow',
          actions: ['sqs:SendMessage'],
          resources: [getAtt(queueId())],
          condition: undefined,
        },
        {
          effect: 'Allow',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [getAtt(logGroup)],
          condition: undefined,
        },
      ]),
    );
    // Sending traces is granted only when the deploy turns tracing on (observability.test.ts).
    expect(grants).toHaveLength(8);
    for (const grant of grants) for (const action of grant.actions) expect(action).not.toMatch(/\*/);
  });

  it('is invoked by a scheduler role that may only invoke it (unqualified) and dead-letter to the failed-runs queue', () => {
    const roleIds = [
      ...new Set(
        auditSchedules().map(
          (schedule) =>
            (schedule.Target as { RoleArn: { 'Fn::GetAtt': [string, string] } }).RoleArn['Fn::GetAtt'][0],
        ),
      ),
    ];
    expect(roleIds).toHaveLength(1);
    const roleId = roleIds[0];
    const grants = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
      .map((statement) => ({ actions: [statement.Action].flat(), resources: [statement.Resource].flat() }));
    // No `<function ARN>:*`: the schedules invoke the function itself, never a version or alias.
    expect(grants).toEqual([
      { actions: ['lambda:InvokeFunction'], resources: [getAtt(auditFunctionId())] },
      { actions: ['sqs:SendMessage'], resources: [getAtt(queueId())] },
    ]);
  });
});

describe('verified-deliveries event bus', () => {
  it('is a bus of its own, named in the VerifiedEventBusName output', () => {
    template.hasResourceProperties('AWS::Events::EventBus', {
      Description: Match.stringLikeRegexp('Paytia'),
    });
    expect(template.toJSON().Outputs.VerifiedEventBusName).toEqual({
      Description: expect.any(String),
      Value: { Ref: busId() },
    });
  });
});

describe('audit alarms', () => {
  const alarmActions = () => ({ AlarmActions: [{ Ref: topicId() }], OKActions: [{ Ref: topicId() }] });

  it('alarms when the oldest pending delivery is over 30 minutes old for two 5-minute periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'PaytiaWebhooks',
      MetricName: 'OldestPendingAge',
      Dimensions: [{ Name: 'service', Value: 'audit' }],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 2,
      Threshold: 2700,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      ...alarmActions(),
    });
  });

  it('takes the backlog age threshold as a stack prop', () => {
    synth({ backlogAgeAlarmMinutes: 90 }).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OldestPendingAge',
      Threshold: 5400,
    });
  });

  it('alarms on any critical finding within 5 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'PaytiaWebhooks',
      MetricName: 'FindingsRaised',
      Dimensions: Match.arrayEquals([
        { Name: 'service', Value: 'audit' },
        { Name: 'severity', Value: 'critical' },
      ]),
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      ...alarmActions(),
    });
  });

  it('alarms when the audit function fails in three consecutive periods, not on one failure', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: auditFunctionId() } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      ...alarmActions(),
    });
  });

  it('stretches the multi-period alarms to the audit interval, so each period holds a run', () => {
    const slow = synth({ auditRateMinutes: 15 });
    slow.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: Match.anyValue() }],
      Period: 900,
      EvaluationPeriods: 3,
    });
    slow.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OldestPendingAge',
      Period: 900,
      EvaluationPeriods: 2,
    });
    slow.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'FindingsRaised', Period: 300 });
  });

  it('alarms while a failed run waits in the failed-runs queue, keeping its state when SQS goes quiet', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(queueId(), 'QueueName') }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
      ...alarmActions(),
    });
  });
});

describe('audit deploy settings', () => {
  const fromContext = (values: Record<string, unknown>) => readSettings((key) => values[key]);

  it('defaults to a 5-minute audit, an hourly sweep, a 2-minute settle, a 30-minute backlog alarm and 10 Paytia requests a second', () => {
    expect(fromContext({})).toMatchObject({
      auditRateMinutes: 5,
      sweepRateMinutes: 60,
      auditSettleSeconds: 120,
      backlogAgeAlarmMinutes: 45,
      paytiaMaxRequestsPerSecond: 10,
    });
  });

  it('reads them as numbers from the command line', () => {
    expect(
      fromContext({
        auditRateMinutes: '2',
        sweepRateMinutes: '30',
        auditSettleSeconds: '0',
        backlogAgeAlarmMinutes: '45',
        paytiaMaxRequestsPerSecond: '3',
      }),
    ).toMatchObject({
      auditRateMinutes: 2,
      sweepRateMinutes: 30,
      auditSettleSeconds: 0,
      backlogAgeAlarmMinutes: 45,
      paytiaMaxRequestsPerSecond: 3,
    });
  });

  it.each([
    ['auditRateMinutes', 0],
    ['auditRateMinutes', 61],
    ['auditRateMinutes', 'often'],
    ['sweepRateMinutes', 14],
    ['sweepRateMinutes', 1441],
    ['sweepRateMinutes', 7.5],
    ['auditSettleSeconds', -1],
    ['auditSettleSeconds', 86_401],
    ['backlogAgeAlarmMinutes', 4],
    ['backlogAgeAlarmMinutes', 1441],
    ['paytiaMaxRequestsPerSecond', 0],
    ['paytiaMaxRequestsPerSecond', 1001],
    ['paytiaMaxRequestsPerSecond', 2.5],
  ])('refuses %s = %s, naming the setting', (key, value) => {
    expect(() => fromContext({ [key]: value })).toThrow(new RegExp(`Invalid stack settings.*${key}`));
  });
});
