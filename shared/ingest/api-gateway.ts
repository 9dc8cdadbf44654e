import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { WebhookRoute } from '../store/delivery-store.js';
import type { WebhookRequest, WebhookResponse } from './receive-webhook.js';

/** The HTTP API's routes, one per Paytia URL. The infra and the local server both use these. */
export const WEBHOOK_ROUTES: Readonly<Record<WebhookRoute, string>> = {
  webhook_url: '/webhooks/paytia/{token}',
  webhook_url_transaction: '/webhooks/paytia/{token}/transaction',
};

const routeByKey = new Map<string, WebhookRoute>(
  Object.entries(WEBHOOK_ROUTES).map(([route, path]) => [`POST ${path}`, route as WebhookRoute]),
);

/** An API Gateway HTTP API (payload v2) event as a webhook request. */
export function fromApiGatewayEvent(event: APIGatewayProxyEventV2): WebhookRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const body = event.body ?? '';
  return {
    route: routeByKey.get(event.routeKey),
    pathToken: event.pathParameters?.token,
    sourceIp: event.requestContext?.http?.sourceIp ?? 'unknown',
    requestId: event.requestContext?.requestId ?? 'unknown',
    headers,
    body: Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8'),
  };
}

export function toApiGatewayResult(response: WebhookResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.statusCode, headers: response.headers, body: response.body };
}
