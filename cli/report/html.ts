/** Small HTML helpers for the report: escaping and time formatting. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML element or a double- or single-quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** `2025-06-01T14:03:05.123Z` as `2025-06-01 14:03:05 UTC`; text that is not a time, as it is. */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A `<time>` element for an ISO time, escaped. */
export function timeElement(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return `<span class="bad-time">${escapeHtml(iso)}</span>`;
  return `<time datetime="${escapeHtml(new Date(t).toISOString())}">${escapeHtml(formatTime(iso))}</time>`;
}

/** A span of time in words: `42 min`, `3 h 5 min`, `2 d 4 h`, `30 s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}
