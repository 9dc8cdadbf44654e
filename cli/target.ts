import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { FailedError, TargetError } from './errors.js';
import { DESCRIPTOR_FILE, type LocalStackDescriptor } from './local-descriptor.js';

/** The stack outputs the CLI reads, by their CloudFormation names (the local stack uses the same). */
export const OUTPUT_NAMES = [
  'WebhookBaseUrl',
  'WebhookTokenSecretName',
  'PaytiaSecretName',
  'DeliveriesTableName',
  'AlertTopicArn',
  'VerifiedEventBusName',
  'AuditFunctionName',
  'RotateTokenFunctionName',
] as const;

export type StackOutputs = Record<(typeof OUTPUT_NAMES)[number], string>;

/** Where the CLI acts: the local stack of `npm start`, or a deployed stack. Commands see no difference. */
export interface Target {
  /** `local`, or the stack's name. */
  name: string;
  kind: 'local' | 'aws';
  outputs: StackOutputs;
  dynamodb: DynamoDBClient;
  secretsManager: SecretsManagerClient;
  /** Runs a function with an event and answers its result; a function error is a `FailedError`. */
  invoke(functionName: string, event: unknown): Promise<unknown>;
  /** The Paytia API the stack's functions talk to. */
  paytiaBaseUrl(): Promise<string>;
  /** Turns a low-level failure (no connection, no credentials) into an error that says what to do. */
  explain(error: unknown): Error | undefined;
  destroy(): void;
}

export interface TargetOptions {
  /** A deployed stack's name; without it, the local stack described in `cwd`. */
  stack?: string;
  region?: string;
  cwd: string;
  /** `PAYTIA_LOCAL_DESCRIPTOR` names the descriptor file, as it does for `npm start`. */
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

export function resolveTarget(options: TargetOptions): Promise<Target> {
  return options.stack === undefined ? localTarget(options) : awsTarget(options.stack, options.region);
}

const nonEmpty = z.string().min(1);
const localDescriptorSchema = z.object({
  kind: z.literal('local'),
  region: nonEmpty,
  credentials: z.object({ accessKeyId: nonEmpty, secretAccessKey: nonEmpty }),
  endpoints: z.object({
    dynamodb: z.url(),
    secretsmanager: z.url(),
    sns: z.url(),
    eventbridge: z.url(),
    paytia: z.url(),
    api: z.url(),
  }),
  outputs: z.object(
    Object.fromEntries(OUTPUT_NAMES.map((name) => [name, nonEmpty])) as Record<
      (typeof OUTPUT_NAMES)[number],
      typeof nonEmpty
    >,
  ),
  invokeUrl: z.url(),
  invokeSecret: nonEmpty,
  // The owner's pid is for stacks deciding whose file it is; the CLI needs the rest.
}) satisfies z.ZodType<Omit<LocalStackDescriptor, 'pid'>>;

const START_HINT = 'start the local stack with npm start (in this directory), or pass --stack <name>';

/** The local stack, from the descriptor `npm start` writes in its working directory. */
async function localTarget(options: TargetOptions): Promise<Target> {
  const file = options.env?.PAYTIA_LOCAL_DESCRIPTOR || join(options.cwd, DESCRIPTOR_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new TargetError(`no local stack here (${file} does not exist): ${START_HINT}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TargetError(`${file} is not JSON; restart the local stack with npm start`);
  }
  const result = localDescriptorSchema.safeParse(parsed);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join('.') || 'file').join(', ');
    throw new TargetError(`${file} is not a local stack description (${fields}); restart it with npm start`);
  }
  return localTargetOf(result.data, options.fetch);
}

/** The local stack a descriptor describes (`npm run demo` reads its own stack this way). */
export function localTargetOf(
  descriptor: Omit<LocalStackDescriptor, 'pid'>,
  fetchImpl: typeof fetch = fetch,
): Target {
  const local = { region: descriptor.region, credentials: descriptor.credentials, maxAttempts: 2 };
  const dynamodb = new DynamoDBClient({ ...local, endpoint: descriptor.endpoints.dynamodb });
  const secretsManager = new SecretsManagerClient({
    ...local,
    endpoint: descriptor.endpoints.secretsmanager,
  });
  const explain = (error: unknown) =>
    explainError(error, (reason) => `cannot reach the local stack (${reason}): is npm start still running?`);

  return {
    name: 'local',
    kind: 'local',
    outputs: descriptor.outputs,
    dynamodb,
    secretsManager,
    async invoke(functionName, event) {
      let response: Response;
      try {
        response = await fetchImpl(`${descriptor.invokeUrl}${encodeURIComponent(functionName)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${descriptor.invokeSecret}` },
          body: JSON.stringify(event),
        });
      } catch (error) {
        throw explain(error) ?? error;
      }
      const text = await response.text();
      const body = parseJson(text);
      if (!response.ok) {
        throw new FailedError(`${functionName} failed: ${errorMessageOf(body) ?? `HTTP ${response.status}`}`);
      }
      if (body === undefined) throw new FailedError(`${functionName} answered with no JSON`);
      return body;
    },
    paytiaBaseUrl: async () => descriptor.endpoints.paytia,
    explain,
    destroy() {
      dynamodb.destroy();
      secretsManager.destroy();
    },
  };
}

/** A deployed stack: its outputs from CloudFormation, with the default credential chain. */
async function awsTarget(stackName: string, region: string | undefined): Promise<Target> {
  const config = region === undefined ? {} : { region };
  const explain = (error: unknown) =>
    explainError(error, (reason) => `cannot reach AWS (${reason}): check your network and --region`);
  const cloudFormation = new CloudFormationClient(config);
  let stack: Stack | undefined;
  try {
    stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) {
      const where = await cloudFormation.config.region().catch(() => 'this region');
      throw new TargetError(`no stack named "${stackName}" in ${where}; check --stack and --region`);
    }
    throw explain(error) ?? error;
  } finally {
    cloudFormation.destroy();
  }
  const found = new Map((stack?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const missing = OUTPUT_NAMES.filter((name) => !found.get(name));
  if (missing.length > 0) {
    throw new TargetError(
      `stack "${stackName}" has no output ${missing.join(', ')}: is it the Paytia webhook stack, ` +
        'deployed from this version? (npx cdk deploy)',
    );
  }
  const outputs = Object.fromEntries(
    OUTPUT_NAMES.map((name) => [name, found.get(name) as string]),
  ) as StackOutputs;

  const dynamodb = new DynamoDBClient(config);
  const secretsManager = new SecretsManagerClient(config);
  const lambda = new LambdaClient(config);
  return {
    name: stackName,
    kind: 'aws',
    outputs,
    dynamodb,
    secretsManager,
    async invoke(functionName, event) {
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      );
      const body = parseJson(answer.Payload ? new TextDecoder().decode(answer.Payload) : '');
      if (answer.FunctionError) {
        throw new FailedError(`${functionName} failed: ${errorMessageOf(body) ?? answer.FunctionError}`);
      }
      return body ?? null;
    },
    async paytiaBaseUrl() {
      const answer = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: outputs.AuditFunctionName }),
      );
      const url = answer.Environment?.Variables?.PAYTIA_BASE_URL;
      if (!url) {
        throw new TargetError(
          `the audit function ${outputs.AuditFunctionName} has no PAYTIA_BASE_URL; pass --paytia-url`,
        );
      }
      return url;
    },
    explain,
    destroy() {
      dynamodb.destroy();
      secretsManager.destroy();
      lambda.destroy();
    },
  };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Names the usual reasons a call cannot be made at all, with what to do about them. Anything else
 * (undefined here) is reported as it is.
 */
export function explainError(error: unknown, unreachable: (reason: string) => string): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = networkCode(error);
  if (code !== undefined) return new TargetError(unreachable(code));
  if (error.name === 'CredentialsProviderError') {
    return new TargetError(
      'no AWS credentials found: configure them as for the AWS CLI ' +
        '(AWS_PROFILE, aws sso login, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
    );
  }
  if (/Region is missing|Region not accepted/i.test(error.message)) {
    return new TargetError(
      'no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)',
    );
  }
  if (
    ['ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidClientTokenId'].includes(
      error.name,
    )
  ) {
    return new TargetError(`AWS refused your credentials (${error.name}): renew them and try again`);
  }
  if (error.name === 'AccessDenied' || error.name === 'AccessDeniedException') {
    return new TargetError(`AWS denied access (${error.message})`);
  }
  return undefined;
}

function networkCode(error: Error): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as NodeJS.ErrnoException).code;
    if (code !== undefined && NETWORK_CODES.has(code)) return code;
  }
  return error.name === 'TimeoutError' ? 'timed out' : undefined;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `{"error": …}` (local) or `{"errorMessage": …}` (Lambda). */
function errorMessageOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { error, errorMessage } = body as { error?: unknown; errorMessage?: unknown };
  if (typeof errorMessage === 'string') return errorMessage;
  return typeof error === 'string' ? error : undefined;
}
