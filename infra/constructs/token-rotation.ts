import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { METRICS } from '../../shared/metrics.js';
import type { Alerting } from './alerting.js';
import { functionMetric } from './function-metric.js';
import { InvokeFunction } from './invoke-function.js';
import { type LogLevel, ProjectFunction } from './project-function.js';

export interface TokenRotationProps {
  /** Paytia's base URL: sandbox `https://accounts.pay729.guru/` or production `https://accounts.pay729.net/`. */
  readonly paytiaBaseUrl: string;
  /**
   * Minutes between rotations; must be under 60, the token's lifetime, with room for a failed run.
   * @default 30
   */
  readonly rateMinutes?: number;
  /** How authorize and refresh_token send their fields. @default 'form' */
  readonly tokenRequestEncoding?: 'form' | 'json';
  readonly alerting: Alerting;
  /** @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** X-Ray active tracing of the function's invocations. @default false */
  readonly tracing?: boolean;
}

/**
 * The token job: the Paytia credentials secret, and a scheduled function that keeps a working
 * access token in it. Alarms tell a person when a rotation fails or the stored token runs low.
 */
export class TokenRotation extends Construct {
  readonly secret: Secret;
  readonly function: ProjectFunction;

  constructor(scope: Construct, id: string, props: TokenRotationProps) {
    super(scope, id);
    const rateMinutes = props.rateMinutes ?? 30;
    if (!Number.isInteger(rateMinutes) || rateMinutes < 1 || rateMinutes > 50) {
      // A token lives 60 minutes: a rate near that leaves no time to recover from a failed run.
      throw new Error(`TokenRotation: rateMinutes must be a whole number from 1 to 50 (got ${rateMinutes})`);
    }

    // Created with a placeholder the functions refuse, so nothing runs on a made-up credential;
    // an operator fills it in (README: "Paytia credentials"). The generated key only keeps the
    // placeholder out of the template as plain text.
    this.secret = new Secret(this, 'paytia-credentials', {
      description:
        'Paytia API credentials: {"mode":"api_key",...} or {"mode":"access_token",...}; see README',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ mode: 'placeholder' }),
        generateStringKey: 'placeholder',
      },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The access token in this secret is renewed every rateMinutes by the rotate-token function on its ' +
        'own schedule (reserved concurrency 1, because each refresh token is single-use), not by a Secrets ' +
        "Manager rotation function; the API key and client secret are issued in Paytia's merchant portal, " +
        'which this stack cannot call.',
    });

    this.function = new ProjectFunction(this, 'rotate-token', {
      functionDir: 'rotate-token',
      description: "Keeps Paytia's one-hour access token fresh in Secrets Manager",
      // Worst case: four Paytia attempts of 10 s with backoff, then five secret writes.
      timeout: Duration.seconds(90),
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      tracing: props.tracing,
      // One rotation at a time: two concurrent runs would both spend the same refresh token.
      reservedConcurrentExecutions: 1,
      environment: {
        PAYTIA_SECRET_ID: this.secret.secretArn,
        PAYTIA_BASE_URL: props.paytiaBaseUrl,
        PAYTIA_TOKEN_REQUEST_ENCODING: props.tokenRequestEncoding ?? 'form',
        // Shorter than the rate, so a scheduled run is never mistaken for a duplicate.
        ROTATION_MIN_AGE_SECONDS: String(Math.min(300, (rateMinutes * 60) / 2)),
      },
    });
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [this.secret.secretArn],
      }),
    );

    new Schedule(this, 'schedule', {
      description: 'Rotates the Paytia access token',
      schedule: ScheduleExpression.rate(Duration.minutes(rateMinutes)),
      // Retries would be duplicate rotations; the next scheduled run is the retry.
      target: new InvokeFunction(this.function, { retryAttempts: 0 }),
    });

    const failed = new Alarm(this, 'rotation-failed', {
      alarmDescription: 'A Paytia token rotation failed; see the rotate-token logs (README runbook).',
      metric: this.function.metricErrors({ period: Duration.minutes(rateMinutes * 2), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const lifetimeLow = new Alarm(this, 'token-lifetime-low', {
      alarmDescription:
        'The stored Paytia access token expires in under 15 minutes: rotations are not landing (README runbook).',
      metric: functionMetric('rotate-token', METRICS['rotate-token'].tokenLifetimeRemaining, {
        statistic: 'Minimum',
        period: Duration.minutes(rateMinutes),
      }),
      threshold: 15 * 60,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    props.alerting.notify(failed);
    props.alerting.notify(lifetimeLow);
  }
}
