import type { NarrowLogger } from '../aws/narrow-logger.js';
import type { Finding, FindingType, Severity } from './findings.js';
import type { AlertPublisher } from './ports.js';

/**
 * Alert storms: anyone who has the webhook URL can post a flood of forged webhooks, and each would
 * become an alert. Past `threshold` alerts of one finding type in a window, the rest of that
 * window's alerts of that type are folded into one digest message, sent once the window has
 * ended. Every finding is still stored as it was; only the messages are folded.
 */
export interface AlertStormSettings {
  /** Alerts of one finding type sent one by one in a window. */
  threshold: number;
  /** The window, aligned to whole multiples of it since the epoch (1 h: from each full hour). */
  windowMs: number;
}

export const ALERT_STORM_DEFAULTS: AlertStormSettings = { threshold: 10, windowMs: 3_600_000 };

/** The most folded findings a digest lists by id and title; its counts cover all of them. */
export const MAX_DIGEST_FINDINGS = 100;

/** One window of one finding type. */
export interface AlertWindow {
  findingType: FindingType;
  /** ISO times; the window holds alerts from `start` up to, not including, `end`. */
  start: string;
  end: string;
}

/**
 * The message that stands for a window's folded alerts. It names findings by id and title only,
 * with counts and times: nothing a finding's evidence holds, so nothing a request carried.
 */
export interface AlertDigest extends AlertWindow {
  severity: Severity;
  /** Alerts of the type sent one by one in the window. */
  alertedOneByOne: number;
  /** Alerts of the type folded into this digest. */
  folded: number;
  /** The folded findings, the first MAX_DIGEST_FINDINGS of them. */
  findings: Array<{ findingId: string; title: string }>;
}

/** Sends a digest (SNS in AWS, next to the alerts it folds). */
export interface AlertDigestPublisher {
  publishDigest(digest: AlertDigest): Promise<void>;
}

/** Where windows are counted: one atomic counter per finding type per window, and the digests owed. */
export interface AlertWindowStore {
  /** Counts one alert in the window; the window's count, this one included. */
  countAlert(window: AlertWindow): Promise<number>;
  /** Records a finding folded into the window's digest, and that the digest is owed. */
  fold(window: AlertWindow, finding: Pick<Finding, 'findingId' | 'title' | 'severity'>): Promise<void>;
  /** The digests owed for windows that ended by `now`. */
  owedDigests(now: Date): Promise<AlertDigest[]>;
  /** The digest of this window went out. */
  digestSent(window: AlertWindow, sentAt: Date): Promise<void>;
}

export interface AlertStormGuard extends AlertPublisher {
  /** Sends every digest owed for a window that has ended; a failed one is retried next time. */
  publishDueDigests(): Promise<number>;
}

/**
 * Wraps an alert publisher so that a storm of one finding type costs a person `threshold` alerts
 * and one digest per window. The last alert sent one by one says that the rest are folded, and
 * until when. A folded alert counts as published: the auditor marks its finding alerted, and the
 * digest owes the person the rest (`publishDueDigests`, after every audit run or sweep).
 */
export function alertStormGuard(options: {
  alerts: AlertPublisher & AlertDigestPublisher;
  windows: AlertWindowStore;
  settings: AlertStormSettings;
  clock: () => Date;
  logger: NarrowLogger;
}): AlertStormGuard {
  const { alerts, windows, settings, clock, logger } = options;
  return {
    async publish(finding) {
      const window = windowOf(finding.type, clock(), settings.windowMs);
      const count = await windows.countAlert(window);
      if (count < settings.threshold) return alerts.publish(finding);
      if (count === settings.threshold) {
        return alerts.publish({
          ...finding,
          description:
            `${finding.description} This is ${finding.type} alert ${count} since ${window.start}: the ` +
            `rest until ${window.end} are folded into one digest message, sent after that time.`,
        });
      }
      await windows.fold(window, finding);
      logger.info('alert folded into the window digest', {
        findingId: finding.findingId,
        type: finding.type,
        windowEnd: window.end,
      });
    },

    async publishDueDigests() {
      let sent = 0;
      for (const digest of await windows.owedDigests(clock())) {
        try {
          await alerts.publishDigest(digest);
          await windows.digestSent(digest, clock());
          sent++;
          logger.info('alert digest published', {
            type: digest.findingType,
            windowStart: digest.start,
            folded: digest.folded,
          });
        } catch (error) {
          logger.error('alert digest not published; it is tried again after the next run', {
            type: digest.findingType,
            windowStart: digest.start,
            error: error instanceof Error ? error.name : String(error),
          });
        }
      }
      return sent;
    },
  };
}

/** The window of this type that holds `at`. */
export function windowOf(findingType: FindingType, at: Date, windowMs: number): AlertWindow {
  const start = Math.floor(at.getTime() / windowMs) * windowMs;
  return {
    findingType,
    start: new Date(start).toISOString(),
    end: new Date(start + windowMs).toISOString(),
  };
}
