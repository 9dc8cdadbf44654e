import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertDigest, AlertDigestPublisher } from './alert-storm.js';
import type { Finding, FindingEvidence } from './findings.js';
import type { AlertPublisher } from './ports.js';
import { sanitize } from './sanitize.js';

/**
 * SNS limits one publish to 256 KiB: the message body and every message attribute (name, data
 * type and value) together. The subject is counted too here, to be safe.
 */
export const SNS_MAX_PUBLISH_BYTES = 262_144;

/** SNS subjects are ASCII, without line breaks, and fewer than 100 characters. */
export const SNS_MAX_SUBJECT_CHARACTERS = 99;

export interface SnsAlertPublisherOptions {
  client: Pick<SNSClient, 'send'>;
  topicArn: string;
}

/**
 * Publishes one SNS message per new finding. The subject is the finding's title made safe for
 * SNS (email subscribers see it); the message is a human header followed by a blank line and the
 * finding as pretty JSON, so a person can read it and a program can parse everything after the
 * first blank line. The `type` and `severity` message attributes let subscriptions filter, for
 * example only `critical` to a pager. A failed publish throws: the finding stays owed an alert,
 * and the next run publishes it.
 *
 * The finding is sanitized (by pattern: the webhook token wherever it follows `webhooks/paytia/`,
 * phone numbers, card data) before subject and message are built. Findings arrive sanitized with
 * the token's value already; this is the second line, for one stored by an older version.
 */
export function snsAlertPublisher(options: SnsAlertPublisherOptions): AlertPublisher & AlertDigestPublisher {
  return {
    /**
     * A digest goes to the same topic with the `type` and `severity` of the alerts it folds, so
     * subscriptions that filter on them receive it where they received those alerts.
     */
    async publishDigest(digest) {
      await options.client.send(
        new PublishCommand({
          TopicArn: options.topicArn,
          Subject: snsSubject(`Paytia alert digest: ${digest.folded} more ${digest.findingType} alerts`),
          Message: digestMessage(digest),
          MessageAttributes: {
            type: { DataType: 'String', StringValue: digest.findingType },
            severity: { DataType: 'String', StringValue: digest.severity },
          },
        }),
      );
    },

    async publish(raised) {
      const finding = sanitize(raised);
      const subject = snsSubject(finding.title, `Paytia finding: ${finding.type} (${finding.severity})`);
      const attributes: Record<string, MessageAttributeValue> = {
        type: { DataType: 'String', StringValue: finding.type },
        severity: { DataType: 'String', StringValue: finding.severity },
      };
      const budget = SNS_MAX_PUBLISH_BYTES - byteLength(subject) - attributesBytes(attributes);
      await options.client.send(
        new PublishCommand({
          TopicArn: options.topicArn,
          Subject: subject,
          Message: alertMessage(finding, budget),
          MessageAttributes: attributes,
        }),
      );
    },
  };
}

/** What SNS counts of the message attributes: each name, data type and value. */
function attributesBytes(attributes: Record<string, MessageAttributeValue>): number {
  let total = 0;
  for (const [name, value] of Object.entries(attributes)) {
    total += byteLength(name) + byteLength(value.DataType ?? '') + byteLength(value.StringValue ?? '');
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// The subject

/** Symbols a title may carry that have a plain ASCII spelling. */
const ASCII_SPELLINGS: Record<string, string> = {
  '£': 'GBP ',
  '€': 'EUR ',
  '¥': 'JPY ',
  '₹': 'INR ',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '–': '-',
  '—': '-',
  '−': '-',
  '…': '...',
  '•': '-',
  '×': 'x',
};

/** ASCII punctuation, in Unicode's sense (category P): what SNS lets a subject begin with. */
const LEADING = /^[A-Za-z0-9!"#%&'()*,\-./:;?@[\\\]_{}]/;

/**
 * A title made safe as an SNS subject: printable ASCII only (currency signs become their codes,
 * typographic quotes and dashes their ASCII forms, accents are dropped, anything else is `?`), no
 * line breaks or control characters, whitespace collapsed, beginning with a letter, a number or
 * punctuation, and at most 99 characters (a longer one ends in `...`). An empty result falls
 * back to `fallback`.
 */
export function snsSubject(title: string, fallback = 'Paytia finding'): string {
  let text = title.normalize('NFC');
  text = text.replace(/[£€¥₹‘’‚“”„‐‑‒–—−…•×]/gu, (symbol) => ASCII_SPELLINGS[symbol] ?? '?');
  // Accented letters lose their accents (é -> e) rather than becoming '?'.
  text = text.normalize('NFKD').replace(/\p{M}/gu, '');
  // Invisible format characters (zero-width spaces and joiners, soft hyphens) go; line breaks,
  // tabs, other control characters and every kind of space become a plain space.
  text = text.replace(/\p{Cf}/gu, '').replace(/[\p{Cc}\p{Z}]/gu, ' ');
  text = text.replace(/[^\x20-\x7e]/gu, '?');
  text = text.replace(/ {2,}/g, ' ').trim();
  if (text === '') return title === fallback ? 'Paytia finding' : snsSubject(fallback, 'Paytia finding');
  if (!LEADING.test(text)) text = `Finding: ${text}`;
  if (text.length > SNS_MAX_SUBJECT_CHARACTERS) {
    text = `${text.slice(0, SNS_MAX_SUBJECT_CHARACTERS - 3).trimEnd()}...`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// The message

/**
 * The message body: `SEVERITY type: title`, the description on one line, a blank line, then the
 * finding as pretty JSON. When that would exceed `budget` bytes, the largest evidence parts are
 * replaced, one at a time, by a note naming the finding id to look them up by; if even the bare
 * finding is too large, its long strings are cut.
 */
export function alertMessage(finding: Finding, budget = SNS_MAX_PUBLISH_BYTES): string {
  const render = (body: unknown) => `${header(finding)}\n\n${JSON.stringify(body, null, 2)}`;

  const whole = render(finding);
  if (byteLength(whole) <= budget) return whole;

  // Shrink the evidence, largest part first, keeping as much as fits.
  const evidence: Record<string, unknown> = { ...finding.evidence };
  const parts = (Object.keys(evidence) as Array<keyof FindingEvidence>)
    .filter((key) => evidence[key] !== undefined)
    .map((key) => ({ key, bytes: byteLength(JSON.stringify(evidence[key]) ?? '') }))
    .sort((a, b) => b.bytes - a.bytes);
  for (const part of parts) {
    evidence[part.key] = {
      truncated: true,
      originalBytes: part.bytes,
      note: `Too large for an alert. Read finding ${clip(finding.findingId, 1_000)} from the findings store for the full evidence.`,
    };
    const shrunk = render({ ...finding, evidence });
    if (byteLength(shrunk) <= budget) return shrunk;
  }

  // Even without evidence it does not fit: some other field is enormous. Cut every long string,
  // harder if need be; the JSON stays whole.
  const cut = (max: number) =>
    `${clip(header(finding), max)}\n\n${JSON.stringify(clipStrings({ ...finding, evidence }, max), null, 2)}`;
  const message = cut(2_000);
  return byteLength(message) <= budget ? message : cut(200);
}

/**
 * A digest as a message: a header like an alert's, what was folded and how to list it, a blank
 * line, then the digest as JSON. Its size is bounded: at most MAX_DIGEST_FINDINGS ids and titles.
 */
export function digestMessage(digest: AlertDigest): string {
  const { findingType: type } = digest;
  const unlisted = digest.folded - digest.findings.length;
  const lines = [
    `${digest.severity.toUpperCase()} ${type}: alert digest, ${digest.folded} more alerts folded`,
    `${digest.alertedOneByOne} ${type} alerts were sent one by one from ${digest.start} to ${digest.end}; ` +
      `the other ${digest.folded} are folded into this message${unlisted > 0 ? ` (${unlisted} not listed below)` : ''}. ` +
      `Each is a recorded finding: npx paytia-auditor findings list --type ${type} --since ${digest.start}`,
  ];
  return `${lines.join('\n')}\n\n${JSON.stringify({ digest }, null, 2)}`;
}

/** Two lines: `SEVERITY type: title`, then the description; no control characters. */
function header(finding: Finding): string {
  const oneLine = (text: string) =>
    text
      .replace(/[\p{Cc}\p{Cs}]/gu, ' ')
      .replace(/\s+/gu, ' ')
      .trim();
  return `${finding.severity.toUpperCase()} ${finding.type}: ${oneLine(finding.title)}\n${oneLine(finding.description)}`;
}

function clipStrings(value: unknown, max: number): unknown {
  if (typeof value === 'string') return clip(value, max);
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => clipStrings(item, max));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .slice(0, 50)
        .map(([key, item]) => [clip(key, 200), clipStrings(item, max)]),
    );
  }
  return value;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
