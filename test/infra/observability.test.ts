import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { REJECTION_REASONS } from '../../infra/constructs/dashboard.js';
import { ACCESS_LOG_FIELDS } from '../../infra/constructs/webhook-ingest.js';
import { PaytiaWebhookStack, type PaytiaWebhookStackProps } from '../../infra/paytia-webhook-stack.js';
import { FINDING_TYPES } from '../../shared/audit/findings.js';
import { ACCESS_LOG_METRICS, METRIC_NAMESPACE, METRICS, type MetricSpec } from '../../shared/metrics.js';

function synth(props: PaytiaWebhookStackProps = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new PaytiaWebhookStack(app, 'PaytiaWebhooks', props));
}

type Resource = { Type: string; Properties: Record<string, unknown> };
/** A metric line of a dashboard widget: namespace, name, dimension pairs, then its options. */
type MetricLine = Array<string | { label?: string; stat?: string; yAxis?: string }>;
interface Widget {
  type: string;
  width: number;
  properties: {
    title?: string;
    metrics?: MetricLine[];
    alarms?: string[];
    annotations?: { horizontal?: Array<{ value: number; label?: string; yAxis?: string }> };
  };
}

let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  template = synth();
  resources = template.toJSON().Resources;
});

const idsOf = (type: string) =>
  Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id]) => id);

/** The dashboard's body, with each CloudFormation reference written as `<<LogicalId>>`. */
function dashboardWidgets(from: Template = template): Widget[] {
  const [dashboard, ...others] = Object.values(from.findResources('AWS::CloudWatch::Dashboard'));
  expect(others).toHaveLength(0);
  const joined = (dashboard as Resource).Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const [, parts] = joined['Fn::Join'];
  const body = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const [value] = Object.values(part as Record<string, string | string[]>);
      return `<<${[value].flat()[0]}>>`;
    })
    .join('');
  return (JSON.parse(body) as { widgets: Widget[] }).widgets;
}

const widget = (title: string, widgets = dashboardWidgets()) => {
  const found = widgets.find((candidate) => candidate.properties.title === title);
  expect(found, title).toBeDefined();
  return found as Widget;
};

/** `[namespace, name, {dimension: value}, stat]` of each metric line. */
const metricsOf = (title: string) =>
  (widget(title).properties.metrics ?? []).map((line) => {
    const strings = line.filter((item): item is string => typeof item === 'string');
    const options = line.find((item) => typeof item === 'object') as { stat?: string } | undefined;
    const [namespace, name, ...pairs] = strings;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
    return { namespace, name, dimensions, stat: options?.stat };
  });

describe('dashboard', () => {
  it('shows every view the operators asked for', () => {
    expect(dashboardWidgets().map((w) => w.properties.title ?? w.type)).toEqual([
      'text',
      'Webhooks received',
      'Webhooks rejected, by reason',
      'Ingest latency p99 (ms)',
      'Ingest 5xx and failed writes',
      'Audit backlog',
      'Findings raised, by type',
      'Audit outcomes',
      'Paytia token lifetime left (s)',
      'Token rotations',
      'Findings raised, by severity',
      'Findings resolved by later evidence, by type',
      'Scheduled job failures',
      'Alarms',
    ]);
    // Dashboard names are account-wide: the region keeps two regions' stacks apart.
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: { 'Fn::Join': ['', ['PaytiaWebhooks-', { Ref: 'AWS::Region' }]] },
    });
  });

  it('counts webhooks stored and duplicate, and the requests API Gateway received', () => {
    const [api] = idsOf('AWS::ApiGatewayV2::Api');
    expect(metricsOf('Webhooks received')).toEqual([
      {
        namespace: 'PaytiaWebhooks',
        name: 'WebhookStored',
        dimensions: { service: 'ingest-webhook' },
        stat: 'Sum',
      },
      {
        namespace: 'PaytiaWebhooks',
        name: 'WebhookDuplicate',
        dimensions: { service: 'ingest-webhook' },
        stat: 'Sum',
      },
      {
        namespace: 'AWS/ApiGateway',
        name: 'Count',
        dimensions: { ApiId: `<<${api}>>`, Stage: '$default' },
        stat: 'Sum',
      },
    ]);
  });

  it('splits rejections by every reason the receiver reports, beside the requests API Gateway throttled', () => {
    const [throttled, ...byReason] = metricsOf('Webhooks rejected, by reason').reverse();
    expect(throttled).toEqual({
      namespace: ACCESS_LOG_METRICS.namespace,
      name: ACCESS_LOG_METRICS.throttled,
      dimensions: {},
      stat: 'Sum',
    });
    const reasons = byReason.reverse().map((m) => {
      expect(m).toMatchObject({ name: 'WebhookRejected', stat: 'Sum' });
      expect(m.dimensions.service).toBe('ingest-webhook');
      return m.dimensions.reason;
    });
    // Every reason the receiver can give (a typed list; its tests answer each one), and no other.
    expect(reasons).toEqual(Object.keys(REJECTION_REASONS));
  });

  it('shows p99 latency at the API, the integration and the function, and every ingest failure', () => {
    expect(metricsOf('Ingest latency p99 (ms)').map((m) => [m.namespace, m.name, m.stat])).toEqual([
      ['AWS/ApiGateway', 'Latency', 'p99'],
      ['AWS/ApiGateway', 'IntegrationLatency', 'p99'],
      ['AWS/Lambda', 'Duration', 'p99'],
    ]);
    expect(metricsOf('Ingest 5xx and failed writes').map((m) => [m.namespace, m.name])).toEqual([
      ['AWS/ApiGateway', '5xx'],
      ['PaytiaWebhooks', 'WebhookStoreFailed'],
      ['PaytiaWebhooks', 'WebhookStoreRejected'],
      ['AWS/Lambda', 'Errors'],
      ['AWS/Lambda', 'Throttles'],
    ]);
  });

  it('shows the audit backlog and its oldest age against the alarm threshold', () => {
    expect(metricsOf('Audit backlog').map((m) => [m.name, m.stat])).toEqual([
      ['AuditBacklog', 'Maximum'],
      ['OldestPendingAge', 'Maximum'],
    ]);
    expect(widget('Audit backlog').properties.annotations?.horizontal).toEqual([
      expect.objectContaining({ value: 45 * 60, yAxis: 'right' }),
    ]);
    const slow = dashboardWidgets(synth({ backlogAgeAlarmMinutes: 90 }));
    expect(widget('Audit backlog', slow).properties.annotations?.horizontal?.[0]?.value).toBe(90 * 60);
  });

  it('shows findings raised and resolved by every type, and every audit outcome', () => {
    const types = (title: string, name: string) =>
      metricsOf(title).map((m) => {
        expect(m).toMatchObject({ name, stat: 'Sum' });
        return m.dimensions.type;
      });
    expect(types('Findings raised, by type', 'FindingsRaisedByType')).toEqual(Object.keys(FINDING_TYPES));
    expect(types('Findings resolved by later evidence, by type', 'FindingsResolved')).toEqual(
      Object.keys(FINDING_TYPES),
    );
    expect(metricsOf('Audit outcomes').map((m) => [m.name, m.dimensions.verdict])).toEqual([
      ['DeliveriesAudited', 'verified'],
      ['DeliveriesAudited', 'corroborated'],
      ['DeliveriesAudited', 'unverifiable'],
      ['DeliveriesAudited', 'findings'],
      ['DeliveriesRecovered', undefined],
      ['AuditDeferred', undefined],
      ['PaymentsSwept', undefined],
    ]);
  });

  it('shows findings by every severity, critical ones being the alarm', () => {
    expect(metricsOf('Findings raised, by severity').map((m) => [m.name, m.dimensions.severity])).toEqual([
      ['FindingsRaised', 'critical'],
      ['FindingsRaised', 'high'],
      ['FindingsRaised', 'medium'],
      ['FindingsRaised', 'low'],
    ]);
  });

  it('shows the token lifetime left against its alarm, and every rotation result', () => {
    expect(metricsOf('Paytia token lifetime left (s)')).toEqual([
      {
        namespace: 'PaytiaWebhooks',
        name: 'TokenLifetimeRemaining',
        dimensions: { service: 'rotate-token' },
        stat: 'Minimum',
      },
    ]);
    expect(widget('Paytia token lifetime left (s)').properties.annotations?.horizontal?.[0]?.value).toBe(900);
    expect(metricsOf('Token rotations').map((m) => [m.name, m.dimensions.stage])).toEqual([
      ['RotationSucceeded', undefined],
      ['RotationSkipped', undefined],
      ['RotationFailed', 'read_secret'],
      ['RotationFailed', 'secret_invalid'],
      ['RotationFailed', 'paytia'],
      ['RotationFailed', 'write_secret'],
      ['RotationFailed', 'unexpected'],
    ]);
  });

  it('shows every metric shared/metrics.ts names, split by its dimension, and no other of the namespace', () => {
    // The handlers emit through shared/metrics.ts (their helpers take its entries, so a name not
    // there does not compile): the dashboard showing exactly its metrics shows all they can emit.
    const shown = new Set<string>();
    for (const w of dashboardWidgets()) {
      for (const line of w.properties.metrics ?? []) {
        const [namespace, name, ...pairs] = line.filter((item): item is string => typeof item === 'string');
        if (namespace !== METRIC_NAMESPACE) continue;
        const dimensions = new Map<string, string>();
        for (let i = 0; i < pairs.length; i += 2) dimensions.set(pairs[i] as string, pairs[i + 1] as string);
        const service = dimensions.get('service');
        dimensions.delete('service');
        shown.add(`${service} ${name} [${[...dimensions.keys()]}]`);
      }
    }
    const named = Object.entries(METRICS).flatMap(([service, metrics]) =>
      Object.values<MetricSpec>(metrics).map(
        (metric) => `${service} ${metric.name} [${metric.dimension ?? ''}]`,
      ),
    );
    expect(named.length).toBeGreaterThan(15);
    expect([...shown].sort()).toEqual(named.sort());
  });

  it('lists every alarm of the stack with its state', () => {
    const listed = widget('Alarms').properties.alarms ?? [];
    const alarms = idsOf('AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(7 + Object.keys(REJECTION_REASONS).length + 2);
    expect(listed.map((arn) => arn.replace(/^<<|>>$/g, '')).sort()).toEqual(alarms.sort());
  });
});

describe('alarms', () => {
  it('alarm on any 5xx the webhook API answers within 5 minutes', () => {
    const [api] = idsOf('AWS::ApiGatewayV2::Api');
    const [topic] = idsOf('AWS::SNS::Topic');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: Match.arrayEquals([
        { Name: 'ApiId', Value: { Ref: api } },
        { Name: 'Stage', Value: '$default' },
      ]),
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
    });
  });

  it('alarm on a spike of rejections, one alarm per reason, at the threshold the deploy sets', () => {
    const byReason = (from: Template) =>
      Object.values(
        from.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'WebhookRejected' } }),
      )
        .map((alarm) => alarm.Properties)
        .map((alarm) => ({
          reason: (alarm.Dimensions as Array<{ Name: string; Value: string }>).find(
            (d) => d.Name === 'reason',
          )?.Value,
          service: (alarm.Dimensions as Array<{ Name: string; Value: string }>).find(
            (d) => d.Name === 'service',
          )?.Value,
          threshold: alarm.Threshold,
          period: alarm.Period,
          statistic: alarm.Statistic,
        }));
    expect(byReason(template)).toEqual(
      Object.keys(REJECTION_REASONS).map((reason) => ({
        reason,
        service: 'ingest-webhook',
        threshold: 25,
        period: 300,
        statistic: 'Sum',
      })),
    );
    expect(byReason(synth({ rejectionAlarmThreshold: 500 })).map((alarm) => alarm.threshold)).toEqual(
      Object.keys(REJECTION_REASONS).map(() => 500),
    );
  });

  it('counts 429s from the access log and alarms on the first one, or at the threshold the deploy sets', () => {
    const [logGroup] = Object.entries(resources).find(
      ([id, resource]) => resource.Type === 'AWS::Logs::LogGroup' && id.startsWith('ingestaccesslogs'),
    ) ?? [undefined];
    expect(logGroup).toBeDefined();
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logGroup },
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [
        {
          MetricNamespace: ACCESS_LOG_METRICS.namespace,
          MetricName: ACCESS_LOG_METRICS.throttled,
          MetricValue: '1',
        },
      ],
    });
    // The access log writes the status as text (a JSON string), which is what the filter matches.
    expect(ACCESS_LOG_FIELDS.status).toBe('$context.status');
    const throttledAlarm = (from: Template) =>
      Object.values(
        from.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Throttled' } }),
      )[0]?.Properties;
    expect(throttledAlarm(template)).toMatchObject({
      Namespace: ACCESS_LOG_METRICS.namespace,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(throttledAlarm(synth({ throttledAlarmThreshold: 20 }))?.Threshold).toBe(20);
  });

  it('alarms on any webhook DynamoDB refused for good', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRIC_NAMESPACE,
      MetricName: 'WebhookStoreRejected',
      Dimensions: [{ Name: 'service', Value: 'ingest-webhook' }],
      Threshold: 1,
      Period: 300,
    });
  });

  it('all notify the alert topic, going into alarm and back, and point at a runbook', () => {
    const [topic] = idsOf('AWS::SNS::Topic');
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map((alarm) => alarm.Properties.MetricName).sort()).toEqual(
      [
        '5xx',
        'ApproximateNumberOfMessagesVisible',
        'Errors',
        'Errors',
        'FindingsRaised',
        'OldestPendingAge',
        'Throttled',
        'TokenLifetimeRemaining',
        'WebhookStoreRejected',
        ...Object.keys(REJECTION_REASONS).map(() => 'WebhookRejected'),
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.AlarmDescription).toMatch(/runbook|see the|this topic/i);
    }
  });
});

describe('function logs and traces', () => {
  const functions = (from: Template) =>
    Object.values(from.findResources('AWS::Lambda::Function')).map((fn) => fn.Properties);

  it('log at INFO by default, and at the level the deploy sets on every function', () => {
    for (const fn of functions(template)) expect(fn.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
    const verbose = functions(synth({ logLevel: 'DEBUG' }));
    expect(verbose).toHaveLength(3);
    for (const fn of verbose) expect(fn.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
  });

  it('write JSON logs', () => {
    for (const fn of functions(template)) expect(fn.LoggingConfig).toMatchObject({ LogFormat: 'JSON' });
  });

  /** Per function (its service name): whether X-Ray traces it, and its X-Ray grant. */
  function tracingOf(from: Template) {
    const resources = from.toJSON().Resources as Record<string, Resource>;
    const policies = Object.values(from.findResources('AWS::IAM::Policy'));
    return Object.fromEntries(
      Object.values(from.findResources('AWS::Lambda::Function')).map((fn) => {
        const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
        const sendsTraces = policies
          .filter((policy) => policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
          .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
          .filter((statement) =>
            [statement.Action].flat().some((action: string) => action.startsWith('xray:')),
          );
        expect(resources[role]?.Type).toBe('AWS::IAM::Role');
        return [
          fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
          {
            mode: fn.Properties.TracingConfig?.Mode ?? 'none',
            grant: sendsTraces.map((statement) => ({
              actions: [statement.Action].flat().sort(),
              resource: statement.Resource,
            })),
          },
        ];
      }),
    );
  }

  const traced = {
    mode: 'Active',
    grant: [{ actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resource: '*' }],
  };
  const untraced = { mode: 'none', grant: [] };

  it('trace nothing by default: no X-Ray and no grant', () => {
    expect(tracingOf(template)).toEqual({
      'ingest-webhook': untraced,
      audit: untraced,
      'rotate-token': untraced,
    });
  });

  it('trace the scheduled functions, or every function, when the deploy says so', () => {
    expect(tracingOf(synth({ tracing: 'scheduled' }))).toEqual({
      'ingest-webhook': untraced,
      audit: traced,
      'rotate-token': traced,
    });
    expect(tracingOf(synth({ tracing: 'all' }))).toEqual({
      'ingest-webhook': traced,
      audit: traced,
      'rotate-token': traced,
    });
  });
});
