import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { vi } from 'vitest';
import type { Stream } from '../../../cli/format.js';
import { run } from '../../../cli/main.js';
import type { StackOutputs, Target, TargetOptions } from '../../../cli/target.js';

export const NOW = new Date('2026-11-21T12:00:00.000Z');

export const OUTPUTS: StackOutputs = {
  WebhookBaseUrl: 'https://api.example.test/webhooks/paytia/',
  WebhookTokenSecretName: 'stack/webhook-token',
  PaytiaSecretName: 'stack/paytia-credentials',
  DeliveriesTableName: 'deliveries-table',
  AlertTopicArn: 'arn:aws:sns:eu-west-2:123456789012:alerts',
  VerifiedEventBusName: 'verified-bus',
  AuditFunctionName: 'audit-fn',
  RotateTokenFunctionName: 'rotate-fn',
};

const local = { region: 'eu-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

/**
 * A target whose clients are real SDK clients (mocked with aws-sdk-client-mock by the test) and
 * whose functions are a `vi.fn`.
 */
export function fakeTarget(options: { paytiaBaseUrl?: string } = {}) {
  const invoke = vi.fn<Target['invoke']>();
  const target: Target = {
    name: 'TestStack',
    kind: 'aws',
    outputs: OUTPUTS,
    dynamodb: new DynamoDBClient(local),
    secretsManager: new SecretsManagerClient(local),
    invoke,
    paytiaBaseUrl: async () => options.paytiaBaseUrl ?? 'https://paytia.example.test/',
    explain: () => undefined,
    destroy: vi.fn(),
  };
  return { target, invoke };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every option set the CLI resolved a target with. */
  resolved: TargetOptions[];
}

/** Runs the CLI in-process against a target, capturing what it prints. */
export async function runCli(
  argv: string[],
  options: { target?: Target; fetch?: typeof fetch; tty?: boolean; cwd?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const resolved: TargetOptions[] = [];
  const stream = (append: (text: string) => void): Stream => ({
    write: (text: string) => append(text),
    isTTY: options.tty ?? false,
    columns: 100,
  });
  const code = await run(argv, {
    stdout: stream((text) => {
      stdout += text;
    }),
    stderr: stream((text) => {
      stderr += text;
    }),
    cwd: options.cwd ?? '/nowhere',
    env: {},
    now: () => NOW,
    fetch: options.fetch ?? (vi.fn() as unknown as typeof fetch),
    resolveTarget: async (targetOptions) => {
      resolved.push(targetOptions);
      if (!options.target) throw new Error('this test resolves no target');
      return options.target;
    },
  });
  return { code, stdout, stderr, resolved };
}

export const DELIVERY_ID = 'a'.repeat(64);

/**
 * A delivery item as the ingest function and the auditor store it: the id is the key's, the
 * content type the header's (`deliveryId` and `contentType` given here set those).
 */
export function deliveryItem(
  overrides: Record<string, AttributeValue> & {
    deliveryId?: { S: string };
    contentType?: { S: string };
  } = {},
): Record<string, AttributeValue> {
  const { deliveryId, contentType, ...attributes } = overrides;
  const id = deliveryId?.S ?? DELIVERY_ID;
  return {
    pk: { S: `DELIVERY#${id}` },
    sk: { S: 'DELIVERY' },
    entity: { S: 'delivery' },
    origin: { S: 'received' },
    body: { B: new TextEncoder().encode('{"transaction_id":"txn_1","status":"completed"}') },
    bodyBytes: { N: '47' },
    bodyFormat: { S: 'json' },
    parsed: { BOOL: true },
    headers: { M: { 'content-type': contentType ?? { S: 'application/json' } } },
    firstReceivedAt: { S: '2026-11-21T10:00:00.000Z' },
    lastReceivedAt: { S: '2026-11-21T10:00:00.000Z' },
    auditStatus: { S: 'pending' },
    auditQueue: { S: 'pending' },
    receiptCount: { N: '1' },
    routes: { SS: ['webhook_url'] },
    sourceIps: { SS: ['203.0.113.7'] },
    transactionId: { S: 'txn_1' },
    referenceId: { S: 'R1' },
    status: { S: 'completed' },
    amount: { S: '150.00' },
    currency: { S: 'GBP' },
    expiresAt: { N: '1800000000' },
    ...attributes,
  };
}

/** A finding item as the auditor stores it. */
export function findingItem(overrides: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  const id = overrides.findingId?.S ?? `unverified_delivery:${DELIVERY_ID}`;
  return {
    pk: { S: `FINDING#${id}` },
    sk: { S: 'FINDING' },
    entity: { S: 'finding' },
    findingId: { S: id },
    findingType: { S: id.split(':')[0] ?? '' },
    severity: { S: 'high' },
    subject: { S: id.split(':')[1] ?? '' },
    title: { S: 'Paytia has no record of sending this webhook' },
    description: { S: 'Treat as forged.' },
    raisedAt: { S: '2026-11-21T11:00:00.000Z' },
    alertedAt: { S: '2026-11-21T11:00:01.000Z' },
    deliveryId: { S: DELIVERY_ID },
    referenceId: { S: 'R1' },
    evidence: { S: JSON.stringify({ receipts: [{ deliveryId: DELIVERY_ID }] }) },
    ...overrides,
  };
}

/** An expression with its placeholders filled in, e.g. `referenceId = "R1"`, for readable assertions. */
export function readable(
  expression: string | undefined,
  input:
    | {
        ExpressionAttributeNames?: Record<string, string>;
        ExpressionAttributeValues?: Record<string, AttributeValue>;
      }
    | undefined,
): string | undefined {
  return expression
    ?.replace(/#\w+/g, (name) => input?.ExpressionAttributeNames?.[name] ?? name)
    .replace(/:\w+/g, (value) => JSON.stringify(input?.ExpressionAttributeValues?.[value]?.S ?? value));
}
