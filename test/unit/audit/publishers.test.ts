import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  EVENTBRIDGE_MAX_ENTRY_BYTES,
  EventPublishError,
  eventBridgePublisher,
  verifiedEventDetail,
} from '../../../shared/audit/eventbridge-publisher.js';
import type { Finding } from '../../../shared/audit/findings.js';
import {
  EVENT_SOURCE,
  VERIFIED_DETAIL_TYPE,
  type VerifiedDeliveryEvent,
} from '../../../shared/audit/ports.js';
import {
  alertMessage,
  SNS_MAX_PUBLISH_BYTES,
  snsAlertPublisher,
  snsSubject,
} from '../../../shared/audit/sns-alert-publisher.js';

const TOPIC_ARN = 'arn:aws:sns:eu-west-2:123456789012:paytia-alerts';
const EVENT_BUS = 'paytia-verified';
const KIB = 1024;

const sns = mockClient(SNSClient);
const eventBridge = mockClient(EventBridgeClient);

beforeEach(() => {
  sns.reset();
  eventBridge.reset();
});

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    findingId: 'amount_mismatch:txn_1',
    type: 'amount_mismatch',
    severity: 'critical',
    subject: 'txn_1',
    title: 'Paytia webhook amount mismatch: INV-1 150.00 GBP vs 15.00 GBP',
    description:
      'The webhook says 150.00 GBP; payment_taken says 15.00 GBP. Check the charge before fulfilling.',
    raisedAt: '2026-11-20T10:00:00.000Z',
    deliveryId: 'a'.repeat(64),
    transactionId: 'txn_1',
    evidence: {
      receipts: [{ deliveryId: 'a'.repeat(64), receiptCount: 1, body: '{"amount":"150.00"}' }],
      payment: { unique_id: 'txn_1', amount: '15.00', currency: 'GBP' },
      difference: { webhook: '150.00 GBP', paytia: '15.00 GBP' },
    },
    ...overrides,
  };
}

function event(overrides: Partial<VerifiedDeliveryEvent> = {}): VerifiedDeliveryEvent {
  return {
    deliveryId: 'b'.repeat(64),
    eventKey: 'txn_1|status=completed',
    route: 'webhook_url',
    origin: 'received',
    firstReceivedAt: '2026-11-20T09:58:00.000Z',
    payload: { transaction_id: 'txn_1', status: 'completed', amount: '150.00', currency: 'GBP' },
    payment: { unique_id: 'txn_1', status: 'completed', amount: '150.00' },
    proof: 'delivery_log',
    verifiedAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

function publishedInput(): PublishCommandInput {
  const call = sns.commandCalls(PublishCommand)[0];
  if (!call) throw new Error('nothing was published');
  return call.args[0].input;
}

/** The JSON after the header: everything after the first blank line. */
function body(message: string | undefined): Finding {
  const text = message ?? '';
  return JSON.parse(text.slice(text.indexOf('\n\n') + 2)) as Finding;
}

/** What SNS counts against its 256 KiB limit for one publish. */
function publishBytes(input: PublishCommandInput): number {
  const bytes = (text: string | undefined) => Buffer.byteLength(text ?? '', 'utf8');
  let total = bytes(input.Message) + bytes(input.Subject);
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    total += bytes(name) + bytes(value.DataType) + bytes(value.StringValue);
  }
  return total;
}

function entryDetail(): string {
  const call = eventBridge.commandCalls(PutEventsCommand)[0];
  const detail = call?.args[0].input.Entries?.[0]?.Detail;
  if (detail === undefined) throw new Error('no event was put');
  return detail;
}

describe('snsAlertPublisher', () => {
  it('publishes one message to the topic: safe subject, filterable attributes, header then the finding as JSON', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const publisher = snsAlertPublisher({ client: new SNSClient({}), topicArn: TOPIC_ARN });
    const alert = finding();

    // Act
    await publisher.publish(alert);

    // Assess
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      Subject: 'Paytia webhook amount mismatch: INV-1 150.00 GBP vs 15.00 GBP',
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'amount_mismatch' },
        severity: { DataType: 'String', StringValue: 'critical' },
      },
    });
    const message = publishedInput().Message ?? '';
    const [header] = message.split('\n\n');
    expect(header).toBe(
      'CRITICAL amount_mismatch: Paytia webhook amount mismatch: INV-1 150.00 GBP vs 15.00 GBP\n' +
        'The webhook says 150.00 GBP; payment_taken says 15.00 GBP. Check the charge before fulfilling.',
    );
    expect(body(message)).toEqual(alert);
    expect(message).toContain('\n  "findingId": "amount_mismatch:txn_1"');
  });

  it('puts a safe subject on the message whatever the title holds', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const publisher = snsAlertPublisher({ client: new SNSClient({}), topicArn: TOPIC_ARN });

    // Act
    await publisher.publish(
      finding({ title: 'Paytia webhook amount mismatch:\nINV-1 £150.00 vs £15.00\u0007' }),
    );

    // Assess
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      Subject: 'Paytia webhook amount mismatch: INV-1 GBP 150.00 vs GBP 15.00',
    });
    const [firstLine] = (publishedInput().Message ?? '').split('\n');
    expect(firstLine).toBe(
      'CRITICAL amount_mismatch: Paytia webhook amount mismatch: INV-1 £150.00 vs £15.00',
    );
  });

  it('throws when the publish fails, so the alert stays owed', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(new Error('Throttling: Rate exceeded'));
    const publisher = snsAlertPublisher({ client: new SNSClient({}), topicArn: TOPIC_ARN });

    // Act
    const published = publisher.publish(finding());

    // Assess
    await expect(published).rejects.toThrow('Rate exceeded');
  });

  it('leaves a large finding that fits whole', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const publisher = snsAlertPublisher({ client: new SNSClient({}), topicArn: TOPIC_ARN });
    const alert = finding({ evidence: { ...finding().evidence, cdr: { legs: 'x'.repeat(200 * KIB) } } });

    // Act
    await publisher.publish(alert);

    // Assess
    expect(body(publishedInput().Message)).toEqual(alert);
  });

  it('shrinks oversized evidence under the SNS limit, largest part first, naming the finding to look it up', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const publisher = snsAlertPublisher({ client: new SNSClient({}), topicArn: TOPIC_ARN });
    const alert = finding({
      evidence: {
        receipts: [{ deliveryId: 'a'.repeat(64), body: 'r'.repeat(160 * KIB) }],
        paytiaLog: [{ cdr_id: 'cdr_1', payload: 'p'.repeat(120 * KIB) }],
        difference: { webhook: '150.00 GBP', paytia: '15.00 GBP' },
      },
    });

    // Act
    await publisher.publish(alert);

    // Assess
    const input = publishedInput();
    expect(publishBytes(input)).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);
    const sent = body(input.Message);
    expect(sent.evidence.receipts).toEqual({
      truncated: true,
      originalBytes: expect.any(Number),
      note: expect.stringContaining('amount_mismatch:txn_1'),
    });
    expect(sent.evidence.paytiaLog).toEqual(alert.evidence.paytiaLog);
    expect(sent.evidence.difference).toEqual(alert.evidence.difference);
    expect({ ...sent, evidence: undefined }).toEqual({ ...alert, evidence: undefined });
  });

  it('counts bytes, not characters: evidence of multi-byte characters is shrunk too', () => {
    // Prepare: 100k characters, 300 KB in UTF-8 (300,013 bytes of JSON with its brackets and key)
    const alert = finding({ evidence: { receipts: [{ body: '€'.repeat(100_000) }] } });

    // Act
    const message = alertMessage(alert);

    // Assess
    expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);
    expect(body(message).evidence.receipts).toMatchObject({ truncated: true, originalBytes: 300_013 });
  });

  it('stays valid and under the limit when a field other than the evidence is enormous', () => {
    // Prepare
    const alert = finding({ description: 'Paytia said: '.repeat(40_000), evidence: {} });

    // Act
    const message = alertMessage(alert);

    // Assess
    expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);
    expect(body(message)).toMatchObject({
      findingId: alert.findingId,
      type: 'amount_mismatch',
      severity: 'critical',
    });
  });
});

describe('snsSubject', () => {
  it.each([
    [
      'a plain ASCII title, unchanged',
      'Paytia webhook not sent by Paytia: INV-7',
      'Paytia webhook not sent by Paytia: INV-7',
    ],
    [
      'a pound sign, as its currency code',
      'Amount mismatch £150.00 vs £15.00',
      'Amount mismatch GBP 150.00 vs GBP 15.00',
    ],
    ['a euro sign, as its currency code', 'Charged €9.99', 'Charged EUR 9.99'],
    ['line breaks and tabs, as single spaces', 'Line one\r\nline two\n\n\tthree', 'Line one line two three'],
    ['control characters, as spaces', 'Bell\u0007here\u0000too', 'Bell here too'],
    ['surrounding whitespace, trimmed', '   padded title  ', 'padded title'],
    ['typographic quotes and dashes, as ASCII', 'Café “quoted” — done…', 'Cafe "quoted" - done...'],
    ['other non-ASCII, as ?', 'Paid 😀 ✓ 中', 'Paid ? ? ?'],
    ['zero-width characters, dropped', 'Zero\u200bwidth\u00a0space', 'Zerowidth space'],
    ['a leading symbol, behind a word', '$150 charged twice', 'Finding: $150 charged twice'],
    ['a title that begins with punctuation, unchanged', '"INV-1" lost', '"INV-1" lost'],
  ])('writes %s', (_case, title, expected) => {
    expect(snsSubject(title)).toBe(expected);
  });

  it('cuts a long title to 99 characters ending in "..."', () => {
    // Prepare
    const title = `Paytia webhook amount mismatch: ${'INV-123456 '.repeat(20)}`;

    // Act
    const subject = snsSubject(title);

    // Assess
    expect(subject).toHaveLength(99);
    expect(subject.endsWith('...')).toBe(true);
    expect(subject.startsWith('Paytia webhook amount mismatch: INV-123456 INV-123456')).toBe(true);
  });

  it('keeps a title of exactly 99 characters whole', () => {
    const title = `T${'x'.repeat(98)}`;
    expect(snsSubject(title)).toBe(title);
  });

  it('falls back when nothing printable is left', () => {
    expect(snsSubject(' \n\t ', 'Paytia finding: status_mismatch (critical)')).toBe(
      'Paytia finding: status_mismatch (critical)',
    );
    expect(snsSubject('')).toBe('Paytia finding');
  });

  it('always makes a subject SNS accepts', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (title) => {
        const subject = snsSubject(title);
        expect(subject).toMatch(/^[A-Za-z0-9!"#%&'()*,\-./:;?@[\\\]_{}][\x20-\x7e]*$/);
        expect(subject.length).toBeLessThan(100);
        expect(subject).not.toMatch(/ {2}|\s$/);
      }),
    );
  });
});

describe('eventBridgePublisher', () => {
  it('puts one event on the bus with the verified source, detail-type and the event as JSON', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const publisher = eventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: EVENT_BUS });
    const verified = event();

    // Act
    await publisher.publish(verified);

    // Assess
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          Source: EVENT_SOURCE,
          DetailType: VERIFIED_DETAIL_TYPE,
          EventBusName: EVENT_BUS,
          Detail: expect.any(String),
        },
      ],
    });
    expect(EVENT_SOURCE).toBe('paytia.webhooks');
    expect(VERIFIED_DETAIL_TYPE).toBe('Paytia Webhook Verified');
    expect(JSON.parse(entryDetail())).toEqual(verified);
  });

  it('throws naming the error code when PutEvents answers 200 with a failed entry', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    const publisher = eventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: EVENT_BUS });

    // Act
    const published = publisher.publish(event());

    // Assess
    await expect(published).rejects.toThrow(EventPublishError);
    await expect(published).rejects.toThrow(/ThrottlingException: Rate exceeded/);
    await expect(published).rejects.toMatchObject({ errorCode: 'ThrottlingException' });
  });

  it('throws when the answer has no event id, even without a failure count', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{}] });
    const publisher = eventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: EVENT_BUS });

    // Act
    const published = publisher.publish(event());

    // Assess
    await expect(published).rejects.toMatchObject({ name: 'EventPublishError', errorCode: 'UnknownError' });
  });

  it('throws when the call itself fails', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).rejects(new Error('connect ECONNREFUSED'));
    const publisher = eventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: EVENT_BUS });

    // Act
    const published = publisher.publish(event());

    // Assess
    await expect(published).rejects.toThrow('ECONNREFUSED');
  });

  it('drops an oversized payload and says so, keeping everything else', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const publisher = eventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: EVENT_BUS });
    const verified = event({ payload: { notes: 'n'.repeat(300 * KIB) } });

    // Act
    await publisher.publish(verified);

    // Assess
    const detail = entryDetail();
    const entryBytes =
      Buffer.byteLength(EVENT_SOURCE) + Buffer.byteLength(VERIFIED_DETAIL_TYPE) + Buffer.byteLength(detail);
    expect(entryBytes).toBeLessThan(EVENTBRIDGE_MAX_ENTRY_BYTES);
    const { payload: _payload, ...rest } = verified;
    expect(JSON.parse(detail)).toEqual({ ...rest, payloadTruncated: true });
  });

  it('keeps a payload that fits, counting bytes rather than characters', () => {
    // Prepare: '£' is 2 bytes: 100k of them (200 KB) fit; 135k (270 KB, but 135k characters) do not
    const fits = event({ payload: { notes: '£'.repeat(100_000) } });
    const tooBig = event({ payload: { notes: '£'.repeat(135_000) } });

    // Act
    const kept = JSON.parse(verifiedEventDetail(fits));
    const dropped = JSON.parse(verifiedEventDetail(tooBig));

    // Assess
    expect(kept).toEqual(fits);
    expect(dropped.payloadTruncated).toBe(true);
    expect(dropped.payload).toBeUndefined();
  });

  it('drops the payment record too when it alone is too large', () => {
    // Prepare
    const verified = event({
      payload: { notes: 'n'.repeat(10 * KIB) },
      payment: { unique_id: 'txn_1', metadata: 'm'.repeat(300 * KIB) },
    });

    // Act
    const detail = JSON.parse(verifiedEventDetail(verified));

    // Assess
    expect(detail).toMatchObject({
      deliveryId: verified.deliveryId,
      payloadTruncated: true,
      paymentTruncated: true,
    });
    expect(detail.payload).toBeUndefined();
    expect(detail.payment).toBeUndefined();
  });
});
