import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface ProjectFunctionProps {
  /** The folder under `functions/` whose `handler.ts` exports `handler`, e.g. `ingest-webhook`. */
  readonly functionDir: string;
  readonly description: string;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  readonly environment?: Record<string, string>;
  /** @default - no reservation */
  readonly reservedConcurrentExecutions?: number;
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Every function of the project, with the same defaults: Node.js 24 on arm64, bundled locally
 * with esbuild as ESM with source maps, the AWS SDK taken from the runtime, X-Ray tracing, and an
 * explicit log group with retention (so logs neither live forever nor outlive the stack unseen).
 */
export class ProjectFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}-logs`, {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: `${repositoryRoot}functions/${props.functionDir}/handler.ts`,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      projectRoot: repositoryRoot,
      depsLockFilePath: `${repositoryRoot}package-lock.json`,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.functionDir,
        POWERTOOLS_METRICS_NAMESPACE: 'PaytiaWebhooks',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // The runtime ships the AWS SDK v3; bundling it again only slows cold starts.
        externalModules: ['@aws-sdk/*'],
        // Some dependencies still call require(); ESM output needs it defined.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
  }
}
