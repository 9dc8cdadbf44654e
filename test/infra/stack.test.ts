import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PaytiaWebhookStack, type PaytiaWebhookStackProps } from '../../infra/paytia-webhook-stack.js';
import { readSettings } from '../../infra/settings.js';
import {
  API_GATEWAY_INTEGRATION_TIMEOUT_MS,
  INGEST_FUNCTION_TIMEOUT_MS,
} from '../../shared/ingest/timing.js';
import { createTableInput } from '../../shared/store/table-design.js';

/** Synthesises the stack without bundling assets (about 150 ms instead of a bundle per function). */
function synth(props: PaytiaWebhookStackProps = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PaytiaWebhookStack(app, 'PaytiaWebhooks', props);
  return Template.fromStack(stack);
}

type PolicyStatement = { Action: string | string[]; Resource: unknown; Effect: string };

function statementsOf(template: Template, roleLogicalIdPrefix: string): PolicyStatement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as Array<{ Ref: string }>).some((role) =>
        role.Ref.startsWith(roleLogicalIdPrefix),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatement[]);
}

let template: Template;

beforeAll(() => {
  template = synth();
});

const ingestFunction = () =>
  template.findResources('AWS::Lambda::Function', {
    Properties: {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'ingest-webhook' }) },
    },
  });

describe('webhook HTTP API', () => {
  it('routes POST on both Paytia webhook URLs, and every other request, to the ingest function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
    // The function answers an unknown route as it answers a wrong token: the same empty 404.
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/paytia/{token}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /webhooks/paytia/{token}/transaction',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('waits for the ingest function as long as the time budget says, and it times out first', () => {
    // The arithmetic is in shared/ingest/timing.ts and its unit test; this holds the stack to it.
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      TimeoutInMillis: API_GATEWAY_INTEGRATION_TIMEOUT_MS,
    });
    const [fn] = Object.values(ingestFunction());
    expect(fn?.Properties.Timeout * 1000).toBe(INGEST_FUNCTION_TIMEOUT_MS);
  });

  it('throttles the stage with the default rate and burst', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('takes rate and burst limits as stack props', () => {
    synth({ throttleRateLimit: 7, throttleBurstLimit: 11 }).hasResourceProperties(
      'AWS::ApiGatewayV2::Stage',
      {
        DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 11 },
      },
    );
  });
});

describe('ingest function', () => {
  it('runs Node.js 24 on arm64 with JSON logs, a timeout and its configuration, untraced by default', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: Match.absent(),
      Timeout: INGEST_FUNCTION_TIMEOUT_MS / 1000,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: Match.anyValue(),
          WEBHOOK_TOKEN_SECRET_ID: Match.anyValue(),
          ALLOWED_SOURCE_CIDRS: '',
          MAX_BODY_BYTES: '262144',
          RETENTION_DAYS: '400',
        }),
      },
    });
  });

  it('writes to an explicit log group of its own, kept for a year', () => {
    const [fn] = Object.values(ingestFunction());
    const logGroup = fn?.Properties.LoggingConfig.LogGroup.Ref;
    expect(template.toJSON().Resources[logGroup]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 365 },
    });
  });

  it('passes deploy settings to the function environment', () => {
    synth({
      allowedSourceCidrs: '198.51.100.0/24',
      maxBodyBytes: 1000,
      retentionDays: 30,
    }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ALLOWED_SOURCE_CIDRS: '198.51.100.0/24',
          MAX_BODY_BYTES: '1000',
          RETENTION_DAYS: '30',
        }),
      },
    });
  });

  it('may do exactly three things: update and read a delivery item, read its token secret, write its logs', () => {
    const statements = statementsOf(template, 'ingestingestwebhookrole');
    const [fn] = Object.values(ingestFunction());
    const [secret] = Object.keys(
      template.findResources('AWS::SecretsManager::Secret', {
        Properties: { Name: 'PaytiaWebhooks/webhook-token' },
      }),
    );
    const grants = statements.map((statement) => ({
      actions: [statement.Action].flat().sort(),
      resource: statement.Resource,
    }));
    const [table] = Object.keys(template.findResources('AWS::DynamoDB::GlobalTable'));
    expect(grants).toEqual(
      expect.arrayContaining([
        { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resource: { 'Fn::GetAtt': [table, 'Arn'] } },
        { actions: ['secretsmanager:GetSecretValue'], resource: { Ref: secret } },
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resource: { 'Fn::GetAtt': [fn?.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] },
        },
      ]),
    );
    // Sending traces is granted only when the deploy turns tracing on (observability.test.ts).
    expect(grants).toHaveLength(3);
  });

  it('has no role anywhere in the stack with a wildcard action', () => {
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as PolicyStatement[]).flatMap((statement) =>
        [statement.Action].flat(),
      ),
    );
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).not.toMatch(/\*/);
  });
});

describe('deliveries table', () => {
  it('is on-demand, recoverable to a point in time, expires items by TTL and is retained', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      }),
    });
  });

  it('has the same keys and indexes as the table the local stack and tests create', () => {
    const [table] = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
    const local = createTableInput('deliveries');
    const sortByName = <T extends { AttributeName?: string; IndexName?: string }>(items: T[]) =>
      [...items].sort((a, b) =>
        String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)),
      );

    expect(sortByName(table?.Properties.AttributeDefinitions)).toEqual(
      sortByName(local.AttributeDefinitions ?? []),
    );
    expect(table?.Properties.KeySchema).toEqual(local.KeySchema);
    expect(
      sortByName(table?.Properties.GlobalSecondaryIndexes).map((index: Record<string, unknown>) => ({
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: index.Projection,
      })),
    ).toEqual(
      sortByName(local.GlobalSecondaryIndexes ?? []).map(({ IndexName, KeySchema, Projection }) => ({
        IndexName,
        KeySchema,
        Projection,
      })),
    );
  });
});

describe('webhook token secret', () => {
  it('is generated, URL-safe, and named after the stack', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'PaytiaWebhooks/webhook-token',
      GenerateSecretString: Match.objectLike({
        ExcludePunctuation: true,
        IncludeSpace: false,
        PasswordLength: 40,
      }),
    });
  });
});

describe('stack outputs', () => {
  it('gives the URLs, secrets, topic and table under stable names', () => {
    expect(Object.keys(template.toJSON().Outputs ?? {}).sort()).toEqual([
      'AlertTopicArn',
      'AuditFunctionName',
      'DashboardName',
      'DeliveriesTableName',
      'PaytiaSecretName',
      'RotateTokenFunctionName',
      'VerifiedEventBusName',
      'WebhookBaseUrl',
      'WebhookTokenSecretName',
    ]);
  });
});

describe('deploy settings', () => {
  const fromContext = (values: Record<string, unknown>) => readSettings((key) => values[key]);

  it('has working defaults', () => {
    expect(fromContext({})).toEqual({
      stackName: 'PaytiaWebhooks',
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      allowedSourceCidrs: '',
      maxBodyBytes: 262_144,
      retentionDays: 400,
      paytiaBaseUrl: 'https://accounts.pay729.guru/',
      rotationRateMinutes: 30,
      tokenRequestEncoding: 'form',
      paytiaTimeZone: 'Europe/London',
      auditRateMinutes: 5,
      sweepRateMinutes: 60,
      auditSettleSeconds: 120,
      backlogAgeAlarmMinutes: 45,
      rejectionAlarmThreshold: 25,
      throttledAlarmThreshold: 1,
      alertStormThreshold: 10,
      alertStormWindowMinutes: 60,
      paytiaMaxRequestsPerSecond: 10,
      logLevel: 'INFO',
      tracing: 'off',
      logRetention: 365,
    });
  });

  it('picks the Paytia base URL from the environment, or takes another host as paytiaBaseUrl', () => {
    expect(fromContext({ paytiaEnvironment: 'production' }).paytiaBaseUrl).toBe(
      'https://accounts.pay729.net/',
    );
    expect(fromContext({ paytiaEnvironment: 'sandbox' }).paytiaBaseUrl).toBe('https://accounts.pay729.guru/');
    expect(fromContext({ paytiaBaseUrl: 'http://127.0.0.1:4010/' }).paytiaBaseUrl).toBe(
      'http://127.0.0.1:4010/',
    );
    expect(() =>
      fromContext({ paytiaEnvironment: 'production', paytiaBaseUrl: 'https://accounts.pay729.guru/' }),
    ).toThrow(
      /Invalid stack settings.*paytiaBaseUrl: set paytiaEnvironment .* or paytiaBaseUrl .*, not both/,
    );
  });

  it('reads the log level in any case and the log retention as a CloudWatch retention in days', () => {
    expect(fromContext({ logLevel: 'debug', logRetentionDays: '30' })).toMatchObject({
      logLevel: 'DEBUG',
      logRetention: 30,
    });
  });

  it('takes which functions to trace: off, the scheduled ones, or all', () => {
    expect(fromContext({ tracing: 'scheduled' }).tracing).toBe('scheduled');
    expect(fromContext({ tracing: 'all' }).tracing).toBe('all');
  });

  it('reads numbers given on the command line as strings', () => {
    expect(fromContext({ throttleRateLimit: '20', retentionDays: '30' })).toMatchObject({
      throttleRateLimit: 20,
      retentionDays: 30,
    });
  });

  it.each([
    ['throttleRateLimit', 'fast'],
    ['throttleRateLimit', 0],
    ['throttleBurstLimit', 1.5],
    ['allowedSourceCidrs', '10.0.0.0/33'],
    ['maxBodyBytes', 400_000],
    ['retentionDays', -1],
    ['stackName', '1-not-a-stack'],
    ['paytiaBaseUrl', 'accounts.pay729.net'],
    ['rotationRateMinutes', 60],
    ['tokenRequestEncoding', 'xml'],
    ['alertEmail', 'on-call'],
    ['paytiaEnvironment', 'staging'],
    ['logLevel', 'verbose'],
    ['tracing', 'true'],
    ['logRetentionDays', 100],
    ['logRetentionDays', 'forever'],
  ])('refuses %s = %s, naming the setting', (key, value) => {
    expect(() => fromContext({ [key]: value })).toThrow(new RegExp(`Invalid stack settings.*${key}`));
  });
});
