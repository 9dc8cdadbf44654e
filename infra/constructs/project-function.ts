import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { METRIC_NAMESPACE } from '../../shared/metrics.js';

/** Powertools log levels a deploy may choose. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Which functions a deploy traces with X-Ray: none; the scheduled ones (the auditor and the token
 * rotator, a few thousand runs a month, inside X-Ray's free 100,000 traces); or the webhook
 * receiver too, one trace per webhook at a merchant's rate (about $5 per million).
 */
export const TRACING_SCOPES = ['off', 'scheduled', 'all'] as const;
export type TracingScope = (typeof TRACING_SCOPES)[number];

export interface ProjectFunctionProps {
  /** The folder under `functions/` whose `handler.ts` exports `handler`, e.g. `ingest-webhook`. */
  readonly functionDir: string;
  readonly description: string;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
  /** `POWERTOOLS_LOG_LEVEL`. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /**
   * X-Ray active tracing: Lambda records each sampled invocation (its start, duration and error)
   * and the function may send segments. No Tracer is bundled (it would add about 125 KiB to every
   * function), so the calls inside an invocation are not traced. Lambda samples the first
   * invocation each second and 5% of the rest; that rate cannot be set for a function.
   * @default false
   */
  readonly tracing?: boolean;
  readonly environment?: Record<string, string>;
  /** @default - no reservation */
  readonly reservedConcurrentExecutions?: number;
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where a function's handler lives; the Node 24 bundle check builds the same files. */
export const handlerEntry = (functionDir: string) => `${repositoryRoot}functions/${functionDir}/handler.ts`;

/**
 * How every function is bundled. Exported so that `test/infra/node24-bundles.test.ts` builds
 * exactly what is deployed and runs it under the Lambda runtime's Node major.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: true,
  // The runtime ships the AWS SDK v3; bundling it again only slows cold starts.
  externalModules: ['@aws-sdk/*'],
  // Some dependencies still call require(); ESM output needs it defined.
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
} as const;

/**
 * Every function of the project, with the same defaults: Node.js 24 on arm64, bundled locally
 * with esbuild as ESM with source maps, the AWS SDK taken from the runtime, X-Ray tracing when the
 * deploy asks for it, and an explicit log group with retention (so logs neither live forever nor
 * outlive the stack unseen).
 *
 * The role is the function's own, without the AWS managed `AWSLambdaBasicExecutionRole` (which
 * may write to any log group in the account): it may write to this function's log group only.
 */
export class ProjectFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}-logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}-role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.functionDir} function: only the grants its construct adds`,
    });
    logGroup.grantWrite(role);
    Validations.of(logGroup).acknowledge({
      id: 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
      reason:
        'CloudWatch Logs encrypts every log group at rest; the functions never log a token, key, secret ' +
        'or request path (tests capture the logs of every failure path), so a customer-managed key would ' +
        'add cost and a key policy to maintain, and no protection.',
    });
    super(scope, id, {
      entry: handlerEntry(props.functionDir),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      projectRoot: repositoryRoot,
      depsLockFilePath: `${repositoryRoot}package-lock.json`,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.functionDir,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        ...props.environment,
      },
      bundling: { ...BUNDLING, externalModules: [...BUNDLING.externalModules] },
    });

    if (props.tracing) this.#traceActively(scope, id, role);
    Validations.of(this).acknowledge({
      id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
      reason:
        "The functions call only AWS APIs and Paytia's public HTTPS API and reach no private network " +
        'resource; a VPC would need NAT gateways or endpoints (cost, and one more thing to fail) and ' +
        'protect nothing.',
    });
  }

  /**
   * Active X-Ray tracing, with its grant in a policy of its own: `tracing: Tracing.ACTIVE` would
   * put it in the default policy, where acknowledging its "*" would also hide any later grant on
   * "*". Here the acknowledgement covers this one statement alone.
   */
  #traceActively(scope: Construct, id: string, role: Role): void {
    (this.node.defaultChild as CfnFunction).tracingConfig = { mode: Tracing.ACTIVE };
    const tracing = new Policy(scope, `${id}-tracing`, {
      roles: [role],
      statements: [
        new PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    this.node.addDependency(tracing);
    Validations.of(tracing).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no resource-level ' +
        'permissions, so they can only be granted on "*"; this policy holds that one statement alone.',
    });
  }
}
