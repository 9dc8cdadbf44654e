/**
 * What a running local stack tells other tools about itself (the CLI, a person): written to
 * `.paytia-local.json` in the working directory (or to `PAYTIA_LOCAL_DESCRIPTOR`) while
 * `npm start` runs, removed when it stops. Readable by its owner only: it holds the invoke secret.
 * Output names are the deployed stack's, so the CLI treats a local and a deployed stack alike.
 */
export interface LocalStackDescriptor {
  kind: 'local';
  /** The process running the stack: a descriptor whose process has ended is stale. */
  pid: number;
  region: string;
  /** Any credentials do locally; these are what the local clients use. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  endpoints: {
    dynamodb: string;
    secretsmanager: string;
    sns: string;
    eventbridge: string;
    /** The Paytia simulator's base URL (trailing slash). */
    paytia: string;
    /** The local HTTP API (the receiver). */
    api: string;
  };
  outputs: {
    WebhookBaseUrl: string;
    WebhookTokenSecretName: string;
    PaytiaSecretName: string;
    DeliveriesTableName: string;
    AlertTopicArn: string;
    VerifiedEventBusName: string;
    AuditFunctionName: string;
    RotateTokenFunctionName: string;
  };
  /**
   * `POST <invokeUrl><functionName>` with the event as JSON runs that function's handler in the
   * local stack and answers its result as JSON (500 with `{"error": "..."}` when it throws),
   * as `aws lambda invoke` would.
   */
  invokeUrl: string;
  /** Sent as `authorization: Bearer <invokeSecret>` to the invoke URL; new on every start. */
  invokeSecret: string;
}

export const DESCRIPTOR_FILE = '.paytia-local.json';
