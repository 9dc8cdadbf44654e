import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PaytiaWebhookStack, type PaytiaWebhookStackProps } from '../../infra/paytia-webhook-stack.js';

function synth(props: PaytiaWebhookStackProps = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new PaytiaWebhookStack(app, 'PaytiaWebhooks', props));
}

let template: Template;

beforeAll(() => {
  template = synth({ alertEmail: 'on-call@example.com', paytiaBaseUrl: 'https://accounts.pay729.net/' });
});

const rotateFunction = () => {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'rotate-token' }) },
    },
  });
  const entries = Object.entries(functions);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, { Properties: Record<string, unknown> }];
};

describe('token rotation', () => {
  it('runs the rotate-token function every 30 minutes by default, without schedule retries', () => {
    const [functionId] = rotateFunction();
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(30 minutes)',
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
  });

  it('is invoked by a scheduler role that may invoke this function alone, not its versions or aliases', () => {
    const [functionId] = rotateFunction();
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule')).filter(
      (resource) =>
        JSON.stringify(resource.Properties.Target.Arn) ===
        JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] }),
    );
    const roleId = schedule?.Properties.Target.RoleArn['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [functionId, 'Arn'] },
      },
    ]);
  });

  it('takes the rate as a stack prop and refuses one too close to the token lifetime', () => {
    synth({ rotationRateMinutes: 20 }).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(20 minutes)',
    });
    expect(() => synth({ rotationRateMinutes: 60 })).toThrow(
      /rateMinutes must be a whole number from 1 to 50/,
    );
  });

  it('reserves a concurrency of 1, so two rotations can never race for one refresh token', () => {
    const [, fn] = rotateFunction();
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    expect(fn.Properties.Environment).toEqual({
      Variables: expect.objectContaining({
        PAYTIA_BASE_URL: 'https://accounts.pay729.net/',
        PAYTIA_TOKEN_REQUEST_ENCODING: 'form',
        ROTATION_MIN_AGE_SECONDS: '300',
      }),
    });
  });

  it('may only read and write the Paytia secret (and write its logs)', () => {
    const [, fn] = rotateFunction();
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
    );
    const grants = policies
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .map((statement: { Action: string | string[]; Resource: unknown }) => ({
        actions: [statement.Action].flat().sort(),
        resource: statement.Resource,
      }));
    const [secretId] = Object.keys(
      template.findResources('AWS::SecretsManager::Secret', {
        Properties: { GenerateSecretString: Match.objectLike({ GenerateStringKey: 'placeholder' }) },
      }),
    );
    expect(grants).toEqual(
      expect.arrayContaining([
        {
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
          resource: { Ref: secretId },
        },
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resource: {
            'Fn::GetAtt': [
              (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref,
              'Arn',
            ],
          },
        },
      ]),
    );
    // Sending traces is granted only when the deploy turns tracing on (observability.test.ts).
    expect(grants).toHaveLength(2);
  });

  it('creates the Paytia secret with a placeholder, not a made-up credential', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: '{"mode":"placeholder"}',
        GenerateStringKey: 'placeholder',
      },
    });
  });

  it('alarms to the alert topic when a rotation fails or the stored token runs low', () => {
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TokenLifetimeRemaining',
      Namespace: 'PaytiaWebhooks',
      Dimensions: [{ Name: 'service', Value: 'rotate-token' }],
      Threshold: 900,
      ComparisonOperator: 'LessThanThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
  });

  it('encrypts the alert topic with a rotating key CloudWatch may use, and subscribes the alert email', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'on-call@example.com',
    });
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    const statements = key?.Properties.KeyPolicy.Statement as Array<{ Principal: unknown; Action: string[] }>;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });
});
