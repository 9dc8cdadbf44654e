import { describe, expect, it } from 'vitest';
import { json, keyValues, printable, shortId, table } from '../../../cli/format.js';
import { progress } from '../../../cli/progress.js';

describe('table', () => {
  const rows = [
    { id: 'abc', count: 5, note: 'short' },
    { id: 'defghi', count: 12_345, note: undefined },
  ];

  it('sizes columns to their widest cell, right-aligns numbers, and rules the header', () => {
    const text = table(rows, [
      { header: 'ID', value: (row) => row.id },
      { header: 'COUNT', value: (row) => row.count, align: 'right' },
      { header: 'NOTE', value: (row) => row.note },
    ]);
    expect(text).toBe(
      ['ID      COUNT  NOTE', '------  -----  -----', 'abc         5  short', 'defghi  12345', ''].join('\n'),
    );
  });

  it('cuts long cells with an ellipsis and blanks control characters from stored data', () => {
    const text = table(
      [{ value: 'x'.repeat(50) }, { value: 'evil\u001b[2Jtext\r\n' }],
      [{ header: 'V', value: (row) => row.value, maxWidth: 10 }],
    );
    expect(text).toContain(`${'x'.repeat(9)}…`);
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\r');
    expect(text).toContain('evil [2Jt…');
  });
});

describe('keyValues', () => {
  it('aligns values and leaves out empty ones', () => {
    expect(
      keyValues([
        ['Mode', 'api_key'],
        ['Expires', undefined],
        ['Refresh token held', 'no'],
        ['Empty', ''],
        ['Count', 0],
      ]),
    ).toBe(['Mode:               api_key', 'Refresh token held: no', 'Count:              0', ''].join('\n'));
  });
});

describe('small helpers', () => {
  it('shortens ids, prints JSON with a newline, and makes text printable', () => {
    expect(shortId('0123456789abcdef')).toBe('0123456789ab');
    expect(shortId('short')).toBe('short');
    expect(shortId(undefined)).toBe('');
    expect(json({ a: 1 })).toBe('{\n  "a": 1\n}\n');
    expect(printable('line\n\ttab\u001b[31m')).toBe('line\n\ttab?[31m');
  });
});

describe('progress', () => {
  function stream(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, stream: { write: (text: string) => writes.push(text), isTTY, columns: 60 } };
  }

  it('writes a plain line per step when stderr is not a terminal', () => {
    const { writes, stream: target } = stream(false);
    const bar = progress(target, 'sweep', 3);
    bar.step('2026-11-19: 4 payments');
    bar.step();
    bar.done();
    expect(writes).toEqual(['sweep 1/3 2026-11-19: 4 payments\n', 'sweep 2/3\n']);
  });

  it('redraws one bar in place on a terminal, and ends it with a newline', () => {
    const { writes, stream: target } = stream(true);
    const bar = progress(target, 'replay', 4);
    bar.step('a');
    bar.step('b');
    bar.done();
    expect(writes[0]).toBe(`\r\u001b[2Kreplay [${'#'.repeat(6)}${'.'.repeat(18)}] 1/4 a`);
    expect(writes[1]).toBe(`\r\u001b[2Kreplay [${'#'.repeat(12)}${'.'.repeat(12)}] 2/4 b`);
    expect(writes[2]).toBe('\n');
  });

  it('keeps the bar within the terminal width', () => {
    const { writes, stream: target } = stream(true);
    progress(target, 'replay', 1).step('x'.repeat(200));
    expect(writes[0]?.replace('\r\u001b[2K', '').length).toBe(59);
  });
});
