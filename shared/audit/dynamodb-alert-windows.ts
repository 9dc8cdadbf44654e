import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type AlertDigest,
  type AlertWindow,
  type AlertWindowStore,
  MAX_DIGEST_FINDINGS,
} from './alert-storm.js';
import { FINDING_TYPES, type FindingType, type Severity } from './findings.js';

export interface DynamoDbAlertWindowsOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
}

/** A window's item outlives the window by this much, so a digest owed through an outage is still there. */
const KEPT_AFTER_WINDOW_SECONDS = 7 * 86_400;

const SORT_KEY = 'ALERT_WINDOW';
const windowKey = (window: AlertWindow) => ({
  pk: { S: `ALERT_WINDOW#${window.findingType}#${window.start}` },
  sk: { S: SORT_KEY },
});
/** One item lists the windows whose digest is owed, so a run finds them with one read. */
const OWED_KEY = { pk: { S: 'ALERT_WINDOW#OWED' }, sk: { S: SORT_KEY } };
const owedEntry = (window: AlertWindow) => `${window.findingType}|${window.start}|${window.end}`;

/**
 * Alert windows in the deliveries table: per finding type per window an item whose `alerts`
 * counter each alert increments atomically (`ADD`, so concurrent runs count right), with the
 * folded findings it lists, and a TTL a week after the window. Items `ALERT_WINDOW#…` are no
 * delivery, finding or cursor, and nothing else reads them.
 */
export function dynamoDbAlertWindows(options: DynamoDbAlertWindowsOptions): AlertWindowStore {
  const { client, tableName } = options;

  const update = (
    key: Record<string, AttributeValue>,
    input: Omit<UpdateItemCommand['input'], 'TableName' | 'Key'>,
  ) => client.send(new UpdateItemCommand({ TableName: tableName, Key: key, ...input }));

  return {
    async countAlert(window) {
      const answer = await update(windowKey(window), {
        UpdateExpression:
          'SET entity = :entity, findingType = :type, windowStart = :start, windowEnd = :end, expiresAt = :expires ADD alerts :one',
        ExpressionAttributeValues: {
          ':entity': { S: 'alert_window' },
          ':type': { S: window.findingType },
          ':start': { S: window.start },
          ':end': { S: window.end },
          ':expires': { N: String(Math.floor(Date.parse(window.end) / 1000) + KEPT_AFTER_WINDOW_SECONDS) },
          ':one': { N: '1' },
        },
        ReturnValues: 'UPDATED_NEW',
      });
      return Number(answer.Attributes?.alerts?.N ?? 1);
    },

    async fold(window, finding) {
      const listed: Record<string, AttributeValue> = {
        ':one': { N: '1' },
        ':severity': { S: finding.severity },
        ':finding': { L: [{ M: { findingId: { S: finding.findingId }, title: { S: finding.title } } }] },
        ':none': { L: [] },
        ':max': { N: String(MAX_DIGEST_FINDINGS) },
      };
      try {
        await update(windowKey(window), {
          UpdateExpression:
            'SET severity = :severity, findings = list_append(if_not_exists(findings, :none), :finding) ADD folded :one',
          ConditionExpression: 'attribute_not_exists(findings) OR size(findings) < :max',
          ExpressionAttributeValues: listed,
        });
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // The list is full: the digest counts this one without naming it.
        await update(windowKey(window), {
          UpdateExpression: 'ADD folded :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        });
      }
      await update(OWED_KEY, {
        UpdateExpression: 'SET entity = :entity ADD windows :window',
        ExpressionAttributeValues: {
          ':entity': { S: 'alert_windows_owed' },
          ':window': { SS: [owedEntry(window)] },
        },
      });
    },

    async owedDigests(now) {
      const owed = await client.send(
        new GetItemCommand({ TableName: tableName, Key: OWED_KEY, ConsistentRead: true }),
      );
      const digests: AlertDigest[] = [];
      for (const entry of owed.Item?.windows?.SS ?? []) {
        const [findingType = '', start = '', end = ''] = entry.split('|');
        if (Date.parse(end) > now.getTime() || !(findingType in FINDING_TYPES)) continue;
        const window: AlertWindow = { findingType: findingType as FindingType, start, end };
        const answer = await client.send(
          new GetItemCommand({ TableName: tableName, Key: windowKey(window), ConsistentRead: true }),
        );
        const item = answer.Item;
        if (item === undefined) {
          // Expired before its digest could go out (an outage of more than a week): nothing to send.
          await forget(window);
          continue;
        }
        const alerts = Number(item.alerts?.N ?? 0);
        const folded = Number(item.folded?.N ?? 0);
        digests.push({
          ...window,
          severity: (item.severity?.S ?? FINDING_TYPES[window.findingType].severity) as Severity,
          alertedOneByOne: alerts - folded,
          folded,
          findings: (item.findings?.L ?? []).map((listed) => ({
            findingId: listed.M?.findingId?.S ?? '',
            title: listed.M?.title?.S ?? '',
          })),
        });
      }
      return digests;
    },

    async digestSent(window, sentAt) {
      await update(windowKey(window), {
        UpdateExpression: 'SET digestSentAt = :sentAt',
        ExpressionAttributeValues: { ':sentAt': { S: sentAt.toISOString() } },
      });
      await forget(window);
    },
  };

  async function forget(window: AlertWindow) {
    await update(OWED_KEY, {
      UpdateExpression: 'DELETE windows :window',
      ExpressionAttributeValues: { ':window': { SS: [owedEntry(window)] } },
    });
  }
}
