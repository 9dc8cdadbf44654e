import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseField } from '../../../cli/payments.js';
import { fakeTarget, NOW, runCli } from './harness.js';

const dynamodb = mockClient(DynamoDBClient);
const secretsManager = mockClient(SecretsManagerClient);
const WEBHOOK_TOKEN = 'webhook-path-token-0123456789';
const API_KEY = 'paytia-api-key-value';

beforeEach(() => {
  dynamodb.reset();
  secretsManager.reset();
  dynamodb.on(GetItemCommand).resolves({});
  dynamodb.on(PutItemCommand).resolves({});
  secretsManager
    .on(GetSecretValueCommand, { SecretId: 'stack/webhook-token' })
    .resolves({ SecretString: WEBHOOK_TOKEN });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: 'stack/paytia-credentials' })
    .resolves({ SecretString: JSON.stringify({ mode: 'api_key', api_key: API_KEY }) });
});

function paytiaAnswers(status: number, body: unknown) {
  const requests: Array<{ url: string; headers: Headers; form: FormData }> = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), headers: new Headers(init?.headers), form: init?.body as FormData });
    return Response.json(body, { status });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests };
}

const SUCCESS = {
  httpStatus: true,
  reference_id: 'R1',
  url: 'https://pay.example.test/link/abc',
  status: { statusCode: 200, statusDescription: 'Success' },
  data: [],
};

describe('payments create', () => {
  it("calls payment_service with the stack's webhook URLs and records the expected reference", async () => {
    const { fetch, requests } = paytiaAnswers(200, SUCCESS);
    const { code, stdout, stderr } = await runCli(
      ['payments', 'create', '--amount', '10.00', '--currency', 'GBP', '--reference-id', 'R1', '--flag', '4'],
      { ...fakeTarget({ paytiaBaseUrl: 'https://paytia.example.test/' }), fetch },
    );

    expect(code).toBe(0);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe('https://paytia.example.test/api/payment_service');
    expect(requests[0]?.headers.get('X-API-KEY')).toBe(API_KEY);
    expect(Object.fromEntries(requests[0]?.form ?? [])).toEqual({
      webhook_url: `https://api.example.test/webhooks/paytia/${WEBHOOK_TOKEN}`,
      webhook_url_transaction: `https://api.example.test/webhooks/paytia/${WEBHOOK_TOKEN}/transaction`,
      reference_id: 'R1',
      amount: '10.00',
      currency_code: 'GBP',
      transaction_flag: '4',
    });
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'deliveries-table',
      Item: {
        pk: { S: 'EXPECTED#R1' },
        sk: { S: 'EXPECTED' },
        entity: { S: 'expected_payment' },
        referenceId: { S: 'R1' },
        createdAt: { S: NOW.toISOString() },
        amount: { S: '10.00' },
        currency: { S: 'GBP' },
        transactionFlag: { S: '4' },
        paytiaStatusCode: { S: '200' },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(stdout).toMatch(/\nPayment URL: +https:\/\/pay\.example\.test\/link\/abc\n/);
    expect(stdout).toContain('https://api.example.test/webhooks/paytia/<token> (and /transaction)');
    expect(`${stdout}${stderr}`).not.toContain(WEBHOOK_TOKEN);
    expect(`${stdout}${stderr}`).not.toContain(API_KEY);
  });

  it('passes --field values through, as numbers where the field takes one, and --paytia-url', async () => {
    const { fetch, requests } = paytiaAnswers(200, SUCCESS);
    const { code, stdout } = await runCli(
      [
        'payments',
        'create',
        '--reference-id',
        'R2',
        '--field',
        'link_expiry=0',
        '--field',
        'agent_id=101',
        '--email',
        'payer@example.test',
        '--paytia-url',
        'https://accounts.pay729.guru/',
        '--json',
      ],
      { ...fakeTarget(), fetch },
    );

    expect(code).toBe(0);
    expect(requests[0]?.url).toBe('https://accounts.pay729.guru/api/payment_service');
    expect(requests[0]?.form.get('link_expiry')).toBe('0');
    expect(requests[0]?.form.get('agent_id')).toBe('101');
    expect(requests[0]?.form.get('email_address')).toBe('payer@example.test');
    expect(JSON.parse(stdout)).toMatchObject({
      referenceId: 'R2',
      paytia: { statusCode: 200, url: 'https://pay.example.test/link/abc' },
      webhookUrl: 'https://api.example.test/webhooks/paytia/<token>',
    });
  });

  it('refuses a reference_id already used, before calling Paytia', async () => {
    dynamodb
      .on(GetItemCommand)
      .resolves({ Item: { pk: { S: 'EXPECTED#R1' }, createdAt: { S: '2026-11-20T09:00:00.000Z' } } });
    const { fetch, requests } = paytiaAnswers(200, SUCCESS);
    const { code, stderr } = await runCli(['payments', 'create', '--reference-id', 'R1'], {
      ...fakeTarget(),
      fetch,
    });

    expect(code).toBe(2);
    expect(stderr).toContain('reference_id R1 was already used (payment created 2026-11-20T09:00:00.000Z)');
    expect(requests).toEqual([]);
  });

  it('exits 2 for a field Paytia names as missing, and 1 when Paytia refuses otherwise; nothing is recorded', async () => {
    const invalid = paytiaAnswers(400, {
      httpStatus: false,
      reference_id: 'R1',
      status: { statusCode: 400, statusDescription: 'agent_id is required for telephony payments' },
      data: [],
    });
    const down = paytiaAnswers(401, {
      httpStatus: false,
      reference_id: 'R1',
      status: { statusCode: 401, statusDescription: 'Invalid API key.' },
      data: [],
    });

    const badField = await runCli(['payments', 'create', '--reference-id', 'R1', '--flag', '0'], {
      ...fakeTarget(),
      fetch: invalid.fetch,
    });
    const refused = await runCli(['payments', 'create', '--reference-id', 'R1'], {
      ...fakeTarget(),
      fetch: down.fetch,
    });

    expect(badField.code).toBe(2);
    expect(badField.stderr).toContain('agent_id is required for telephony payments');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Paytia refused the payment');
    expect(refused.stderr).not.toContain(API_KEY);
    expect(dynamodb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('exits 2 when the Paytia secret is still a placeholder', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'stack/paytia-credentials' })
      .resolves({ SecretString: '{"mode":"placeholder"}' });
    const { fetch } = paytiaAnswers(200, SUCCESS);
    const { code, stderr } = await runCli(['payments', 'create', '--reference-id', 'R1'], {
      ...fakeTarget(),
      fetch,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('the Paytia secret still holds its placeholder');
  });
});

describe('parseField', () => {
  it.each([
    ['reference_number=INV-1', ['reference_number', 'INV-1']],
    ['link_expiry=3600', ['link_expiry', '3600']],
    ['transaction_flag=1', ['transaction_flag', '1']],
    ['interval=Weekly', ['interval', 'Weekly']],
    ['agent_id=007', ['agent_id', '007']],
    ['saledescription=a=b', ['saledescription', 'a=b']],
    ['billingpostcode=01234', ['billingpostcode', '01234']],
  ])('%s', (pair, expected) => {
    expect(parseField(pair)).toEqual(expected);
  });
});
