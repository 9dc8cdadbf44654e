import type { BodyFormat, WebhookFields } from '../webhook/payload.js';

/** Which of Paytia's two URLs a delivery came through. */
export type WebhookRoute = 'webhook_url' | 'webhook_url_transaction';

/** One receipt of a webhook, as the ingest function records it. */
export interface DeliveryReceipt {
  deliveryId: string;
  route: WebhookRoute;
  receivedAt: Date;
  sourceIp: string;
  requestId: string;
  /** The exact bytes received (base64 already decoded). */
  body: Uint8Array;
  /** Request headers worth keeping (an allow-list: never a credential), lower-case names; the content type among them. */
  headers: Record<string, string>;
  format: BodyFormat;
  parsed: boolean;
  fields: WebhookFields;
  eventKey?: string;
}

export interface RecordedReceipt {
  /** True when an earlier receipt of the same delivery was already stored. */
  duplicate: boolean;
  /** Receipts of this delivery so far, this one included. */
  receiptCount: number;
}

/** Where deliveries live. The ingest path needs one call, and one write, per receipt. */
export interface DeliveryStore {
  recordReceipt(receipt: DeliveryReceipt): Promise<RecordedReceipt>;
}

/** The store could not durably record a receipt; the sender must try again. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * The store refused the receipt in a way no retry can change (DynamoDB's validation, an item over
 * its size limit): the sender must not be asked to try again.
 */
export class StoreRejectedError extends Error {
  override readonly name = 'StoreRejectedError';
}
