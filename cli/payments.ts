import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  type PaymentServiceRequest,
  PaytiaApiError,
  PaytiaClient,
  PaytiaError,
  PaytiaInvalidRequestError,
  PaytiaTimeoutError,
  PaytiaTransportError,
  PaytiaValidationError,
  paymentServiceRequestSchema,
} from '../shared/paytia/index.js';
import { validateRequest } from '../shared/paytia/requests.js';
import { secretsManagerCredentials } from '../shared/paytia/secret-credentials.js';
import { expectedPaymentFromItem, expectedPaymentItem, expectedPaymentKey } from '../shared/store/records.js';
import { defineCommand, integerOption, urlOption } from './command.js';
import { EXIT, FailedError, TargetError, UsageError } from './errors.js';
import { json, keyValues } from './format.js';
import type { Target } from './target.js';

/** Fields the command sets itself; `--field` may not set them. */
const OWN_FIELDS = ['webhook_url', 'webhook_url_transaction', 'reference_id'];

/**
 * `--field name=value`, kept as text: every documented field takes text (numbers as their digits,
 * `link_expiry=0`), as multipart sends it, so every field works without a flag of its own.
 */
export function parseField(pair: string): [string, string] {
  const equals = pair.indexOf('=');
  if (equals <= 0) throw new UsageError(`--field: "${pair}" must be name=value`);
  const name = pair.slice(0, equals);
  const raw = pair.slice(equals + 1);
  if (OWN_FIELDS.includes(name)) {
    throw new UsageError(
      `--field: ${name} is set by this command${name === 'reference_id' ? ' (--reference-id)' : ''}`,
    );
  }
  return [name, raw];
}

const create = defineCommand({
  name: 'payments create',
  summary: "start a Paytia payment (payment_service) with this stack's webhook URLs",
  description:
    "Calls Paytia's payment_service with webhook_url and webhook_url_transaction set to this stack's " +
    '(WebhookBaseUrl + the webhook token), authenticated with the Paytia secret, and records the ' +
    'expected reference_id in the table (item EXPECTED#<reference_id>). Paytia is the local ' +
    "simulator for the local stack; for a deployed stack, the audit function's PAYTIA_BASE_URL " +
    '(read with lambda:GetFunctionConfiguration) unless --paytia-url is given. The token is never printed.',
  options: {
    'reference-id': {
      type: 'string',
      value: '<id>',
      description: 'your unique id for this payment; required',
    },
    amount: { type: 'string', value: '<amount>', description: 'amount with two decimals, e.g. 10.00' },
    currency: { type: 'string', value: '<code>', description: 'ISO 4217 currency, e.g. GBP (currency_code)' },
    flag: { type: 'string', value: '<n>', description: 'transaction_flag, 0 to 9 (4: link to pay)' },
    'reference-number': {
      type: 'string',
      value: '<text>',
      description: 'invoice reference (reference_number)',
    },
    email: { type: 'string', value: '<address>', description: 'email_address' },
    description: { type: 'string', value: '<text>', description: 'saledescription, at most 100 characters' },
    field: {
      type: 'string',
      multiple: true,
      value: '<name=value>',
      description: 'any other payment_service field, e.g. agent_id=101',
    },
    'paytia-url': { type: 'string', value: '<url>', description: "Paytia's base URL (default: the stack's)" },
  },
  examples: [
    'paytia-auditor payments create --amount 10.00 --currency GBP --reference-id R1',
    'paytia-auditor payments create --amount 25.00 --reference-id R2 --flag 4 --field linktopay_url=1',
    'paytia-auditor payments create --amount 5.00 --reference-id R3 --flag 0 --field agent_id=101',
  ],
  exitCodes: [
    '1  Paytia refused the payment',
    '2  a bad field (named), a reference_id already used, Paytia credentials not filled in, or configuration',
  ],
  async run(context) {
    const { values } = context;
    const referenceId = values['reference-id'];
    if (!referenceId) throw new UsageError('--reference-id is required');
    const flag = integerOption('flag', values.flag, { min: 0, max: 9 });
    const fields = Object.fromEntries((values.field ?? []).map(parseField));
    const paytiaUrl = values['paytia-url'] && urlOption('paytia-url', values['paytia-url']).href;
    const request = {
      ...fields,
      reference_id: referenceId,
      ...(values.amount === undefined ? {} : { amount: values.amount }),
      ...(values.currency === undefined ? {} : { currency_code: values.currency }),
      ...(flag === undefined ? {} : { transaction_flag: flag }),
      ...(values['reference-number'] === undefined ? {} : { reference_number: values['reference-number'] }),
      ...(values.email === undefined ? {} : { email_address: values.email }),
      ...(values.description === undefined ? {} : { saledescription: values.description }),
    } as PaymentServiceRequest;
    // Checked before anything is read or sent: the client checks again with the real URLs.
    const placeholders = {
      webhook_url: 'https://example.com/',
      webhook_url_transaction: 'https://example.com/',
    };
    try {
      validateRequest('payment_service', paymentServiceRequestSchema, { ...request, ...placeholders });
    } catch (error) {
      if (error instanceof PaytiaInvalidRequestError) throw new UsageError(error.message);
      throw error;
    }

    const target = await context.target();
    const table = { TableName: target.outputs.DeliveriesTableName };
    const earlier = await target.dynamodb.send(
      new GetItemCommand({ ...table, Key: expectedPaymentKey(referenceId), ConsistentRead: true }),
    );
    if (earlier.Item) {
      throw new UsageError(
        `reference_id ${referenceId} was already used (payment created ${expectedPaymentFromItem(earlier.Item).createdAt || 'earlier'}); ` +
          'give each payment a new one',
      );
    }

    const webhookUrl = `${target.outputs.WebhookBaseUrl}${await webhookToken(target)}`;
    const paytia = new PaytiaClient({
      baseUrl: paytiaUrl || (await target.paytiaBaseUrl()),
      credentials: secretsManagerCredentials({
        client: target.secretsManager,
        secretId: target.outputs.PaytiaSecretName,
      }),
      timeoutMs: 15_000,
      retry: { maxRetries: 1 },
      fetch: context.fetch,
    });
    const answer = await callPaytia(() =>
      paytia.paymentService({
        ...request,
        webhook_url: webhookUrl,
        webhook_url_transaction: `${webhookUrl}/transaction`,
      }),
    );

    const createdAt = context.now().toISOString();
    const text = (value: string | number | undefined) => (value === undefined ? undefined : String(value));
    try {
      await target.dynamodb.send(
        new PutItemCommand({
          ...table,
          Item: expectedPaymentItem({
            referenceId,
            createdAt,
            amount: text(request.amount),
            currency: text(request.currency_code),
            transactionFlag: text(request.transaction_flag),
            referenceNumber: text(request.reference_number),
            paytiaStatusCode: text(answer.status.statusCode),
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Another run recorded the same reference between our check and now; its record stands.
    }

    const redactedUrl = `${target.outputs.WebhookBaseUrl}<token>`;
    const result = {
      referenceId,
      amount: request.amount,
      currency: request.currency_code,
      createdAt,
      paytia: {
        statusCode: answer.status.statusCode,
        statusDescription: answer.status.statusDescription,
        url: answer.url,
      },
      webhookUrl: redactedUrl,
      webhookUrlTransaction: `${redactedUrl}/transaction`,
    };
    if (context.json) {
      context.out.stdout.write(json(result));
    } else {
      context.out.stdout.write(
        keyValues([
          ['Reference id', referenceId],
          ['Amount', [request.amount, request.currency_code].filter(Boolean).join(' ')],
          ['Paytia', `${answer.status.statusCode} ${answer.status.statusDescription ?? ''}`.trim()],
          ['Payment URL', answer.url],
          ['Webhooks to', `${redactedUrl} (and /transaction)`],
          ['Recorded', `expected payment EXPECTED#${referenceId} at ${createdAt}`],
        ]),
      );
    }
    return EXIT.ok;
  },
});

async function webhookToken(target: Target): Promise<string> {
  const answer = await target.secretsManager.send(
    new GetSecretValueCommand({ SecretId: target.outputs.WebhookTokenSecretName }),
  );
  if (!answer.SecretString) {
    throw new TargetError(`the webhook token secret ${target.outputs.WebhookTokenSecretName} has no value`);
  }
  return answer.SecretString.trim();
}

/** Paytia's answers as exit codes: a bad field is the caller's (2), a refusal is Paytia's (1). */
async function callPaytia<Result>(call: () => Promise<Result>): Promise<Result> {
  try {
    return await call();
  } catch (error) {
    // Checked here, or named by Paytia's 400: either way the caller's fields need fixing.
    if (error instanceof PaytiaInvalidRequestError || error instanceof PaytiaValidationError) {
      throw new UsageError(error.message);
    }
    if (error instanceof PaytiaTransportError || error instanceof PaytiaTimeoutError) {
      throw new TargetError(`cannot reach Paytia (${error.message}); check --paytia-url`);
    }
    if (error instanceof PaytiaApiError)
      throw new FailedError(`Paytia refused the payment: ${error.message}`);
    // The credentials provider's errors: the secret is a placeholder, malformed, or has no token yet.
    if (error instanceof PaytiaError) throw new TargetError(error.message);
    throw error;
  }
}

export const paymentCommands = [create];
