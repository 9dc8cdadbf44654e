import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG_FIELDS } from '../../infra/constructs/webhook-ingest.js';
import { PaytiaWebhookStack, type PaytiaWebhookStackProps } from '../../infra/paytia-webhook-stack.js';

/** The invariants every deploy must keep, whatever the settings: encryption, logs, least privilege. */
function synth(props: PaytiaWebhookStackProps = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new PaytiaWebhookStack(app, 'PaytiaWebhooks', props));
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resource = { Type: string; Properties: Record<string, unknown> };

let template: Template;
let resources: Record<string, Resource>;
/** The deploy with the most grants: every function traced. */
let traced: Record<string, Resource>;

beforeAll(() => {
  template = synth({ alertEmail: 'on-call@example.com' });
  resources = template.toJSON().Resources;
  traced = synth({ alertEmail: 'on-call@example.com', tracing: 'all' }).toJSON().Resources;
});

const ofType = (type: string, from = resources) =>
  Object.entries(from).filter(([, resource]) => resource.Type === type);
const statements = (from = resources) =>
  ofType('AWS::IAM::Policy', from).flatMap(([id, policy]) =>
    ((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement ?? []).map((statement) => ({
      policy: id,
      ...statement,
    })),
  );

describe('encryption at rest and in transit', () => {
  it('encrypts the deliveries table with KMS', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('encrypts the alert topic with its own rotating key and refuses plain HTTP publishers', () => {
    const [[keyId] = []] = ofType('AWS::KMS::Key');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it("lets only AWS services create grants on the topic's key", () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'DenyGrantsExceptForAwsServices',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: {
              BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
            },
          },
        ]),
      },
    });
  });

  it('keeps every secret in Secrets Manager (always encrypted) and no secret value in the template', () => {
    const secrets = ofType('AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(2);
    for (const [, secret] of secrets) {
      expect(secret.Properties.GenerateSecretString).toBeDefined();
      expect(secret.Properties.SecretString).toBeUndefined();
    }
  });

  it('encrypts the failed-runs queue', () => {
    for (const [, queue] of ofType('AWS::SQS::Queue')) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
  });
});

describe('recovery and retention', () => {
  it('keeps point-in-time recovery on the table, and the table itself when the stack goes', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      }),
    });
  });

  it('gives every log group a retention (a year by default), and every function its own log group', () => {
    const logGroups = ofType('AWS::Logs::LogGroup');
    // Three functions and the API's access log.
    expect(logGroups).toHaveLength(4);
    for (const [, logGroup] of logGroups) expect(logGroup.Properties.RetentionInDays).toBe(365);
    const used = ofType('AWS::Lambda::Function').map(
      ([, fn]) => (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref,
    );
    expect(new Set(used).size).toBe(3);
    for (const id of used) expect(resources[id]?.Type).toBe('AWS::Logs::LogGroup');
  });

  it('takes the log retention as a stack prop', () => {
    const short = synth({ logRetention: RetentionDays.ONE_MONTH }).findResources('AWS::Logs::LogGroup');
    expect(Object.values(short).map((logGroup) => logGroup.Properties.RetentionInDays)).toEqual([
      30, 30, 30, 30,
    ]);
  });
});

describe('webhook API stage', () => {
  const stage = () => {
    const stages = ofType('AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    return (stages[0] as [string, Resource])[1].Properties;
  };

  it('throttles every route', () => {
    expect(stage().DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
  });

  it('writes access logs to a log group of its own', () => {
    const settings = stage().AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string, string] } };
    const [logGroupId] = settings.DestinationArn['Fn::GetAtt'];
    expect(resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 365 },
    });
  });

  it('logs one JSON line per request with the route template, never the path, which carries the token', () => {
    const format = (stage().AccessLogSettings as { Format: string }).Format;
    const fields = JSON.parse(format) as Record<string, string>;
    expect(fields).toEqual(ACCESS_LOG_FIELDS);
    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      sourceIp: '$context.identity.sourceIp',
      responseLatency: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
    });
    // $context.path is the raw path; no other variable holds it (pathParameters is not a context variable).
    expect(format).not.toMatch(/\$context\.path|\$context\.requestOverride|pathParameters|\$input/i);
  });

  it('may invoke the ingest function only from its own API: its two routes and the $default route', () => {
    const permissions = ofType('AWS::Lambda::Permission');
    expect(permissions).toHaveLength(3);
    const [[apiId] = []] = ofType('AWS::ApiGatewayV2::Api');
    for (const [, permission] of permissions) {
      expect(permission.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
      });
      const sourceArn = JSON.stringify(permission.Properties.SourceArn);
      expect(sourceArn).toContain(JSON.stringify({ Ref: apiId }));
      // The $default route's permission covers any path of this API, which routes only to this function.
      expect(sourceArn).toMatch(/"\/\*\/\*(\/webhooks\/paytia\/\{token\}(\/transaction)?)?"\]\]\}$/);
    }
  });
});

describe('least privilege', () => {
  it('has no statement with a wildcard action, in any policy of the stack', () => {
    const all = [...statements(), ...statements(traced)];
    expect(all.length).toBeGreaterThan(20);
    for (const statement of all) {
      for (const action of [statement.Action].flat()) expect(action, statement.policy).not.toMatch(/\*/);
    }
  });

  it('grants on "*" only the X-Ray calls that have no resource-level permissions, and only when traced', () => {
    const onEverything = (from: Record<string, Resource>) =>
      statements(from).filter((statement) => [statement.Resource].flat().includes('*'));
    expect(onEverything(resources)).toEqual([]);
    expect(onEverything(traced).length).toBe(3);
    for (const statement of onEverything(traced)) {
      expect([statement.Action].flat().sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
    // No resource ARN ends in a wildcard either (such as `<function ARN>:*`).
    for (const statement of [...statements(), ...statements(traced)]) {
      expect(JSON.stringify(statement.Resource), statement.policy).not.toMatch(/:\*"|\/\*"/);
    }
  });

  it('attaches no AWS managed policy to any role', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(3);
    for (const [, role] of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });
});
