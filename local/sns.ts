import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

/**
 * SNS for the local stack and tests: fauxqs (an SNS/SQS emulator speaking both services' wire
 * protocols) run in this process, on 127.0.0.1. The real SNS client publishes to it when
 * `AWS_ENDPOINT_URL_SNS` points at `endpoint`. SNS delivers nowhere on its own, so a topic is
 * read through an SQS queue subscribed to it, as a person would wire it in AWS; `receive`
 * unwraps the SNS envelope each message arrives in.
 *
 * fauxqs's own `startFauxqs` always listens on every interface (0.0.0.0) and reads `FAUXQS_*`
 * environment variables, so this builds its app and listens on the chosen host instead; queues
 * and topics are then created through the SDK clients. Its queue URLs look like AWS's,
 * `http://sqs.<region>.localhost:<port>/000000000000/<name>`: an SQS client configured with
 * `endpoint` sends to the endpoint whatever the URL says, but a tool that dials the URL itself
 * needs `*.localhost` to resolve to 127.0.0.1. fauxqs starts no timer until a long poll waits,
 * and cancels those on close. It is laxer than SNS in two ways that matter here: it does not
 * check subjects (ASCII, no line breaks, under 100 characters), and it counts only the message,
 * not the attributes, against the 256 KiB limit; the publisher's unit tests cover both.
 */
export interface LocalSns {
  /** SNS and SQS endpoint (both on one port). */
  endpoint: string;
  port: number;
  region: string;
  /** Creates (or returns) a standard topic; answers its ARN. */
  createTopic(name: string): Promise<string>;
  /** A new SQS queue subscribed to the topic (envelope delivery, optionally filtered). */
  subscribeQueue(topicArn: string, options?: { filterPolicy?: Record<string, unknown> }): Promise<SnsQueue>;
  close(): Promise<void>;
}

export interface SnsQueue {
  queueUrl: string;
  queueArn: string;
  subscriptionArn: string;
  /**
   * The messages waiting, unwrapped from their SNS envelopes, oldest first; received messages
   * are deleted, so each is returned once. Waits up to `waitSeconds` (default 0) for a first one.
   * A receive still waiting when the emulator closes rejects.
   */
  receive(options?: { waitSeconds?: number }): Promise<SnsNotification[]>;
}

/** One SNS message as a subscriber sees it. */
export interface SnsNotification {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  messageAttributes: Record<string, { type: string; value: string }>;
  timestamp: string;
}

export async function startLocalSns(
  options: { port?: number; host?: string; region?: string } = {},
): Promise<LocalSns> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const app = buildApp({ logger: false, defaultRegion: region });
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fauxqs did not listen on a port');
  const port = address.port;
  const endpoint = `http://${host}:${port}`;

  const clientConfig = {
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const sns = new SNSClient(clientConfig);
  const sqs = new SQSClient(clientConfig);

  const receiveAll = async (queueUrl: string, waitSeconds: number): Promise<SnsNotification[]> => {
    const notifications: SnsNotification[] = [];
    let wait = waitSeconds;
    for (;;) {
      const answer = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: wait }),
      );
      const messages = answer.Messages ?? [];
      if (messages.length === 0) return notifications;
      notifications.push(...messages.map((message) => unwrap(message.Body ?? '', message.MessageId ?? '')));
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
      // Drain what is already there; only the first receive waits.
      wait = 0;
    }
  };

  return {
    endpoint,
    port,
    region,
    async createTopic(name) {
      const answer = await sns.send(new CreateTopicCommand({ Name: name }));
      if (!answer.TopicArn) throw new Error(`fauxqs created topic ${name} without an ARN`);
      return answer.TopicArn;
    },
    async subscribeQueue(topicArn, subscribeOptions = {}) {
      const topicName = topicArn.slice(topicArn.lastIndexOf(':') + 1);
      const queueName = `${topicName}-subscriber-${randomUUID().slice(0, 8)}`;
      const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
      if (!queueUrl) throw new Error(`fauxqs created queue ${queueName} without a URL`);
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      const queueArn = attributes.Attributes?.QueueArn;
      if (!queueArn) throw new Error(`fauxqs has no ARN for queue ${queueName}`);
      const { SubscriptionArn: subscriptionArn } = await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: queueArn,
          ReturnSubscriptionArn: true,
          ...(subscribeOptions.filterPolicy
            ? { Attributes: { FilterPolicy: JSON.stringify(subscribeOptions.filterPolicy) } }
            : {}),
        }),
      );
      if (!subscriptionArn) throw new Error(`fauxqs did not subscribe ${queueName} to ${topicArn}`);
      return {
        queueUrl,
        queueArn,
        subscriptionArn,
        receive: (receiveOptions = {}) => receiveAll(queueUrl, receiveOptions.waitSeconds ?? 0),
      };
    },
    async close() {
      sns.destroy();
      sqs.destroy();
      await app.close();
    },
  };
}

/** An SQS message body from an SNS subscription: the SNS JSON envelope, or the raw message. */
function unwrap(body: string, sqsMessageId: string): SnsNotification {
  let envelope: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (
      parsed !== null &&
      typeof parsed === 'object' &&
      (parsed as { Type?: unknown }).Type === 'Notification'
    )
      envelope = parsed as Record<string, unknown>;
  } catch {
    envelope = undefined;
  }
  if (!envelope) {
    return { messageId: sqsMessageId, topicArn: '', message: body, messageAttributes: {}, timestamp: '' };
  }
  const attributes = (envelope.MessageAttributes ?? {}) as Record<string, { Type?: string; Value?: string }>;
  return {
    messageId: String(envelope.MessageId ?? ''),
    topicArn: String(envelope.TopicArn ?? ''),
    ...(typeof envelope.Subject === 'string' ? { subject: envelope.Subject } : {}),
    message: String(envelope.Message ?? ''),
    messageAttributes: Object.fromEntries(
      Object.entries(attributes).map(([name, attribute]) => [
        name,
        { type: String(attribute.Type ?? ''), value: String(attribute.Value ?? '') },
      ]),
    ),
    timestamp: String(envelope.Timestamp ?? ''),
  };
}
