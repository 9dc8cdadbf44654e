import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  EVENT_SOURCE,
  VERIFIED_DETAIL_TYPE,
  type VerifiedDeliveryEvent,
  type VerifiedEventPublisher,
} from './ports.js';

/**
 * EventBridge refuses an entry of 256 KB or more, counting the UTF-8 bytes of its Source,
 * DetailType, Detail and Resources (and 14 for Time).
 */
export const EVENTBRIDGE_MAX_ENTRY_BYTES = 262_144;

/**
 * The `detail` of a `Paytia Webhook Verified` event: the verified delivery, whole when it fits.
 * When it does not, `payload` is left out and `payloadTruncated` is true (and, should the
 * payment record alone still be too large, the same for `payment`): the consumer reads the
 * delivery by its id.
 */
export type VerifiedEventDetail = Omit<VerifiedDeliveryEvent, 'payload' | 'payment'> & {
  payload?: unknown;
  payloadTruncated?: true;
  payment?: Record<string, unknown>;
  paymentTruncated?: true;
};

export interface EventBridgePublisherOptions {
  client: Pick<EventBridgeClient, 'send'>;
  eventBusName: string;
}

/** PutEvents answered 200 but did not accept the entry. */
export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Publishes each verified delivery as one EventBridge event (source `paytia.webhooks`,
 * detail-type `Paytia Webhook Verified`). PutEvents reports a rejected entry in its answer, with
 * HTTP 200, rather than as an error: that is turned into a thrown `EventPublishError` naming the
 * error code, so the caller keeps the event owed and publishes it on the next run.
 */
export function eventBridgePublisher(options: EventBridgePublisherOptions): VerifiedEventPublisher {
  return {
    async publish(event) {
      const detail = verifiedEventDetail(event);
      const answer = await options.client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: EVENT_SOURCE,
              DetailType: VERIFIED_DETAIL_TYPE,
              EventBusName: options.eventBusName,
              Detail: detail,
            },
          ],
        }),
      );
      const entry = answer.Entries?.[0];
      if ((answer.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode !== undefined || !entry?.EventId) {
        const code = entry?.ErrorCode ?? 'UnknownError';
        const reason = entry?.ErrorMessage ? `: ${entry.ErrorMessage}` : '';
        throw new EventPublishError(
          code,
          `EventBridge did not accept the verified event for delivery ${event.deliveryId} on bus ${options.eventBusName} (${code}${reason})`,
        );
      }
    },
  };
}

/**
 * The event's Detail as JSON, made to fit one EventBridge entry: the payload goes first when it
 * is too large, then the payment record. Throws if even the bare event cannot fit (ids of
 * megabytes), which no real delivery produces.
 */
export function verifiedEventDetail(event: VerifiedDeliveryEvent): string {
  const fixedBytes = byteLength(EVENT_SOURCE) + byteLength(VERIFIED_DETAIL_TYPE);
  const fits = (json: string) => fixedBytes + byteLength(json) < EVENTBRIDGE_MAX_ENTRY_BYTES;

  const whole = JSON.stringify(event satisfies VerifiedEventDetail);
  if (fits(whole)) return whole;

  const { payload: _payload, ...withoutPayload } = event;
  const lighter: VerifiedEventDetail = { ...withoutPayload, payloadTruncated: true };
  const json = JSON.stringify(lighter);
  if (fits(json)) return json;

  const { payment: _payment, ...withoutPayment } = lighter;
  const bare: VerifiedEventDetail =
    lighter.payment === undefined ? withoutPayment : { ...withoutPayment, paymentTruncated: true };
  const bareJson = JSON.stringify(bare);
  if (fits(bareJson)) return bareJson;
  throw new EventPublishError(
    'EntryTooLarge',
    `The verified event for delivery ${event.deliveryId.slice(0, 100)} does not fit an EventBridge entry even without its payload and payment`,
  );
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
