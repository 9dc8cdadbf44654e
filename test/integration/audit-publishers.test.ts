import {
  CreateEventBusCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  PutEventsCommand,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalEventBridge, startLocalEventBridge } from '../../local/eventbridge.js';
import { type LocalSns, startLocalSns } from '../../local/sns.js';
import { eventBridgePublisher } from '../../shared/audit/eventbridge-publisher.js';
import type { Finding } from '../../shared/audit/findings.js';
import { EVENT_SOURCE, VERIFIED_DETAIL_TYPE, type VerifiedDeliveryEvent } from '../../shared/audit/ports.js';
import { alertMessage, snsAlertPublisher } from '../../shared/audit/sns-alert-publisher.js';

const KIB = 1024;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    findingId: 'amount_mismatch:txn_1',
    type: 'amount_mismatch',
    severity: 'critical',
    subject: 'txn_1',
    title: 'Paytia webhook amount mismatch: INV-1 £150.00 vs £15.00',
    description: 'The webhook says 150.00 GBP; payment_taken says 15.00 GBP.',
    raisedAt: '2026-11-20T10:00:00.000Z',
    transactionId: 'txn_1',
    evidence: {
      payment: { unique_id: 'txn_1', amount: '15.00', currency: 'GBP' },
      difference: { webhook: '150.00 GBP', paytia: '15.00 GBP' },
    },
    ...overrides,
  };
}

function event(overrides: Partial<VerifiedDeliveryEvent> = {}): VerifiedDeliveryEvent {
  return {
    deliveryId: 'c'.repeat(64),
    eventKey: 'txn_1|status=completed',
    route: 'webhook_url_transaction',
    origin: 'recovered',
    firstReceivedAt: '2026-11-20T09:58:00.000Z',
    payload: { transaction_id: 'txn_1', status: 'completed', amount: '150.00', note: 'café £' },
    payment: { unique_id: 'txn_1', status: 'completed' },
    proof: 'delivery_log',
    verifiedAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

/** The JSON after the header: everything after the first blank line. */
function body(message: string): unknown {
  return JSON.parse(message.slice(message.indexOf('\n\n') + 2));
}

describe('snsAlertPublisher through the real SNS client, against fauxqs', () => {
  let local: LocalSns;
  let client: SNSClient;

  beforeAll(async () => {
    local = await startLocalSns();
    client = new SNSClient({ endpoint: local.endpoint, region: local.region, credentials });
  });

  afterAll(async () => {
    client.destroy();
    await local.close();
  });

  it('delivers the subject, the attributes and the finding as JSON to a subscribed queue', async () => {
    // Prepare
    const topicArn = await local.createTopic('alerts-roundtrip');
    const queue = await local.subscribeQueue(topicArn);
    const publisher = snsAlertPublisher({ client, topicArn });
    const alert = finding();

    // Act
    await publisher.publish(alert);

    // Assess
    const [received, ...more] = await queue.receive();
    expect(more).toEqual([]);
    expect(received?.topicArn).toBe(topicArn);
    expect(received?.subject).toBe('Paytia webhook amount mismatch: INV-1 GBP 150.00 vs GBP 15.00');
    expect(received?.messageAttributes).toEqual({
      type: { type: 'String', value: 'amount_mismatch' },
      severity: { type: 'String', value: 'critical' },
    });
    expect(received?.message.startsWith('CRITICAL amount_mismatch: Paytia webhook amount mismatch')).toBe(
      true,
    );
    expect(body(received?.message ?? '')).toEqual(alert);
  });

  it('lets a subscription filter on severity, as a pager would', async () => {
    // Prepare
    const topicArn = await local.createTopic('alerts-filtered');
    const pager = await local.subscribeQueue(topicArn, { filterPolicy: { severity: ['critical'] } });
    const everything = await local.subscribeQueue(topicArn);
    const publisher = snsAlertPublisher({ client, topicArn });

    // Act
    await publisher.publish(
      finding({
        findingId: 'unacknowledged_delivery:d1',
        type: 'unacknowledged_delivery',
        severity: 'medium',
      }),
    );
    await publisher.publish(finding());

    // Assess
    const paged = await pager.receive();
    const all = await everything.receive();
    expect(paged.map((message) => message.messageAttributes.type?.value)).toEqual(['amount_mismatch']);
    expect(all.map((message) => message.messageAttributes.severity?.value).sort()).toEqual([
      'critical',
      'medium',
    ]);
  });

  it('gets an oversized finding accepted by shrinking it, where the whole message is refused', async () => {
    // Prepare
    const topicArn = await local.createTopic('alerts-large');
    const queue = await local.subscribeQueue(topicArn);
    const publisher = snsAlertPublisher({ client, topicArn });
    const alert = finding({
      evidence: { receipts: [{ body: 'r'.repeat(300 * KIB) }], difference: { a: 1 } },
    });
    const unshrunk = alertMessage(alert, Number.POSITIVE_INFINITY);

    // Act
    const refused = await client
      .send(new PublishCommand({ TopicArn: topicArn, Message: unshrunk }))
      .catch((error: unknown) => error);
    await publisher.publish(alert);

    // Assess
    expect(refused).toMatchObject({ message: expect.stringMatching(/too long/i) });
    const [received] = await queue.receive();
    expect(body(received?.message ?? '')).toMatchObject({
      findingId: alert.findingId,
      evidence: { receipts: { truncated: true }, difference: { a: 1 } },
    });
  });

  it('throws when SNS refuses the publish', async () => {
    // Prepare
    const publisher = snsAlertPublisher({
      client,
      topicArn: `arn:aws:sns:${local.region}:000000000000:no-such-topic`,
    });

    // Act
    const published = publisher.publish(finding());

    // Assess
    await expect(published).rejects.toThrow(/does not exist/);
  });

  it('hands a long-polling receive the message published while it waits', async () => {
    // Prepare
    const topicArn = await local.createTopic('alerts-waiting');
    const queue = await local.subscribeQueue(topicArn);
    const publisher = snsAlertPublisher({ client, topicArn });

    // Act
    const waiting = queue.receive({ waitSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await publisher.publish(finding());
    const received = await waiting;

    // Assess
    expect(received).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('startLocalSns', () => {
  it('listens on 127.0.0.1 and stops every timer it started when closed', async () => {
    // Prepare: watch the timers fauxqs starts for a long poll (a 20 ms interval, a 20 s timeout)
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = vi.spyOn(globalThis, 'clearInterval');
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const clearTimeoutSpy = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const local = await startLocalSns();
      const topicArn = await local.createTopic('short-lived');
      const queue = await local.subscribeQueue(topicArn);
      const waiting = queue.receive({ waitSeconds: 20 });
      await new Promise((resolve) => setTimeout(resolve, 50));

      // Act
      await local.close();
      await Promise.allSettled([waiting]);

      // Assess
      expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const intervals = setIntervalSpy.mock.results.map((result) => result.value);
      const pollTimeouts = setTimeoutSpy.mock.calls
        .map((call, index) => ({ delay: call[1], timer: setTimeoutSpy.mock.results[index]?.value }))
        .filter((call) => call.delay === 20_000)
        .map((call) => call.timer);
      expect(intervals.length).toBeGreaterThan(0);
      expect(pollTimeouts).toHaveLength(1);
      const clearedIntervals = clearIntervalSpy.mock.calls.map(([timer]) => timer);
      const clearedTimeouts = clearTimeoutSpy.mock.calls.map(([timer]) => timer);
      expect(intervals.filter((timer) => !clearedIntervals.includes(timer))).toEqual([]);
      expect(pollTimeouts.filter((timer) => !clearedTimeouts.includes(timer))).toEqual([]);
      await expect(fetch(`${local.endpoint}/health`)).rejects.toThrow();
    } finally {
      setIntervalSpy.mockRestore();
      clearIntervalSpy.mockRestore();
      setTimeoutSpy.mockRestore();
      clearTimeoutSpy.mockRestore();
    }
  });
});

describe('eventBridgePublisher through the real EventBridge client, against the local stand-in', () => {
  let local: LocalEventBridge;
  let client: EventBridgeClient;

  beforeAll(async () => {
    local = await startLocalEventBridge({ eventBuses: ['paytia-verified'] });
    client = new EventBridgeClient({ endpoint: local.endpoint, region: 'us-east-1', credentials });
  });

  afterAll(async () => {
    client.destroy();
    await local.close();
  });

  it('puts the verified event on the bus with its source, detail-type and detail', async () => {
    // Prepare
    const publisher = eventBridgePublisher({ client, eventBusName: 'paytia-verified' });
    const verified = event();
    const before = local.events().length;

    // Act
    await publisher.publish(verified);

    // Assess
    const stored = local.events().slice(before);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      eventBusName: 'paytia-verified',
      source: EVENT_SOURCE,
      detailType: VERIFIED_DETAIL_TYPE,
      detail: verified,
    });
    expect(stored[0]?.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('throws naming the error code when EventBridge answers 200 with a failed entry', async () => {
    // Prepare
    const publisher = eventBridgePublisher({ client, eventBusName: 'paytia-verified' });
    local.failNext('ThrottlingException', { errorMessage: 'Rate exceeded' });
    const before = local.events().length;

    // Act
    const published = publisher.publish(event());

    // Assess
    await expect(published).rejects.toThrow(/ThrottlingException: Rate exceeded/);
    expect(local.events()).toHaveLength(before);
  });

  it('drops an oversized payload so the entry is accepted, where the whole entry is refused', async () => {
    // Prepare
    const publisher = eventBridgePublisher({ client, eventBusName: 'paytia-verified' });
    const verified = event({ payload: { notes: 'n'.repeat(300 * KIB) } });
    const before = local.events().length;

    // Act
    const refused = await client
      .send(
        new PutEventsCommand({
          Entries: [
            { Source: EVENT_SOURCE, DetailType: VERIFIED_DETAIL_TYPE, Detail: JSON.stringify(verified) },
          ],
        }),
      )
      .catch((error: unknown) => error);
    await publisher.publish(verified);

    // Assess
    expect(refused).toMatchObject({ name: 'ValidationException' });
    const stored = local.events().slice(before);
    expect(stored).toHaveLength(1);
    const { payload: _payload, ...rest } = verified;
    expect(stored[0]?.detail).toEqual({ ...rest, payloadTruncated: true });
  });

  it('serves the stored events as JSON at GET /events, in order, with their buses', async () => {
    // Prepare
    const arn = 'arn:aws:events:us-east-1:000000000000:event-bus/by-arn';
    await eventBridgePublisher({ client, eventBusName: arn }).publish(event({ deliveryId: 'first' }));
    await eventBridgePublisher({ client, eventBusName: 'default' }).publish(event({ deliveryId: 'second' }));

    // Act
    const answer = await fetch(`${local.endpoint}/events`);

    // Assess
    expect(answer.status).toBe(200);
    const listed = (await answer.json()) as Array<{ eventBusName: string; detail: { deliveryId: string } }>;
    expect(listed).toEqual(local.events());
    expect(listed.slice(-2).map((stored) => [stored.eventBusName, stored.detail.deliveryId])).toEqual([
      ['by-arn', 'first'],
      ['default', 'second'],
    ]);
  });

  it('refuses a Detail that is not a JSON object, per entry, as EventBridge does', async () => {
    // Act
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'test', DetailType: 'test', Detail: '[1, 2]' },
          { Source: 'test', DetailType: 'test', Detail: '{"ok":true}' },
        ],
      }),
    );

    // Assess
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[0]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(answer.Entries?.[1]?.EventId).toEqual(expect.any(String));
  });

  it('creates and lists event buses', async () => {
    // Act
    const created = await client.send(new CreateEventBusCommand({ Name: 'made-here' }));
    const again = await client
      .send(new CreateEventBusCommand({ Name: 'made-here' }))
      .catch((error: unknown) => error);
    const listed = await client.send(new ListEventBusesCommand({ NamePrefix: 'ma' }));

    // Assess
    expect(created.EventBusArn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/made-here');
    expect(again).toBeInstanceOf(ResourceAlreadyExistsException);
    expect(listed.EventBuses?.map((bus) => bus.Name)).toEqual(['made-here']);
  });

  it('answers an unknown operation with a 400 naming its type', async () => {
    // Act
    const answer = await fetch(local.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutRule' },
      body: '{}',
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});
