import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ALERT_WINDOWS_OWED_KEY,
  alertCountedUpdate,
  alertCountFromItem,
  alertWindowFromItem,
  alertWindowKey,
  digestOwedUpdate,
  digestSentUpdate,
  findingFoldedUnlistedUpdate,
  findingFoldedUpdate,
  owedWindowsFromItem,
} from '../store/records.js';
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

/**
 * Alert windows in the deliveries table: per finding type per window an item whose `alerts`
 * counter each alert increments atomically (`ADD`, so concurrent runs count right), with the
 * folded findings it lists, and a TTL a week after the window (the records: shared/store/records.ts).
 * Nothing else reads them.
 */
export function dynamoDbAlertWindows(options: DynamoDbAlertWindowsOptions): AlertWindowStore {
  const { client, tableName } = options;

  const update = (
    key: Record<string, AttributeValue>,
    input: Omit<UpdateItemCommand['input'], 'TableName' | 'Key'>,
  ) => client.send(new UpdateItemCommand({ TableName: tableName, Key: key, ...input }));

  return {
    async countAlert(window) {
      const answer = await update(alertWindowKey(window), {
        ...alertCountedUpdate(window, KEPT_AFTER_WINDOW_SECONDS),
        ReturnValues: 'UPDATED_NEW',
      });
      return alertCountFromItem(answer.Attributes);
    },

    async fold(window, finding) {
      try {
        await update(alertWindowKey(window), findingFoldedUpdate(finding, MAX_DIGEST_FINDINGS));
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // The list is full: the digest counts this one without naming it.
        await update(alertWindowKey(window), findingFoldedUnlistedUpdate());
      }
      await update(ALERT_WINDOWS_OWED_KEY, digestOwedUpdate(window, true));
    },

    async owedDigests(now) {
      const owed = await client.send(
        new GetItemCommand({ TableName: tableName, Key: ALERT_WINDOWS_OWED_KEY, ConsistentRead: true }),
      );
      const digests: AlertDigest[] = [];
      for (const entry of owedWindowsFromItem(owed.Item)) {
        if (Date.parse(entry.end) > now.getTime() || !(entry.findingType in FINDING_TYPES)) continue;
        const window: AlertWindow = { ...entry, findingType: entry.findingType as FindingType };
        const answer = await client.send(
          new GetItemCommand({ TableName: tableName, Key: alertWindowKey(window), ConsistentRead: true }),
        );
        if (answer.Item === undefined) {
          // Expired before its digest could go out (an outage of more than a week): nothing to send.
          await forget(window);
          continue;
        }
        const stored = alertWindowFromItem(answer.Item);
        digests.push({
          ...window,
          severity: (stored.severity ?? FINDING_TYPES[window.findingType].severity) as Severity,
          alertedOneByOne: stored.alerts - stored.folded,
          folded: stored.folded,
          findings: stored.findings,
        });
      }
      return digests;
    },

    async digestSent(window, sentAt) {
      await update(alertWindowKey(window), digestSentUpdate(sentAt));
      await forget(window);
    },
  };

  async function forget(window: AlertWindow) {
    await update(ALERT_WINDOWS_OWED_KEY, digestOwedUpdate(window, false));
  }
}
