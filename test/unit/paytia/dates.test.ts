import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCalendarDate, parsePaytiaTimestamp } from '../../../shared/paytia/index.js';

describe('parsePaytiaTimestamp', () => {
  it.each([
    ['15-03-2024 14:05:57', '2024-03-15T14:05:57.000Z'],
    ['29-02-2024 00:00:00', '2024-02-29T00:00:00.000Z'],
    ['31-12-2026 23:59:59', '2026-12-31T23:59:59.000Z'],
    ['2024-03-15 14:05:57', '2024-03-15T14:05:57.000Z'],
    ['2024-03-15', '2024-03-15T00:00:00.000Z'],
    ['2026-04-23T10:30:00Z', '2026-04-23T10:30:00.000Z'],
    ['2026-04-23T10:30:00.250Z', '2026-04-23T10:30:00.250Z'],
    ['2026-04-23T11:30:00+01:00', '2026-04-23T10:30:00.000Z'],
    ['2026-04-23T05:00:00-0530', '2026-04-23T10:30:00.000Z'],
    [' 15-03-2024 14:05:57 ', '2024-03-15T14:05:57.000Z'],
    ['15/03/2024 14:05:57', '2024-03-15T14:05:57.000Z'],
    ['2024/03/15 14:05', '2024-03-15T14:05:00.000Z'],
    ['15-03-2024', '2024-03-15T00:00:00.000Z'],
    ['1710511557', '2024-03-15T14:05:57.000Z'],
  ])('reads %j as %s (zone-less text as UTC)', (text, expected) => {
    // Prepare
    const input = text;

    // Act
    const date = parsePaytiaTimestamp(input);

    // Assess
    expect(date?.toISOString()).toBe(expected);
  });

  it.each([
    ['15-06-2026 13:00:00', 'Europe/London', '2026-06-15T12:00:00.000Z'],
    ['15-01-2026 13:00:00', 'Europe/London', '2026-01-15T13:00:00.000Z'],
    ['2026-03-29 00:30:00', 'Europe/London', '2026-03-29T00:30:00.000Z'],
    ['2026-03-29 02:30:00', 'Europe/London', '2026-03-29T01:30:00.000Z'],
    ['2026-10-25 03:00:00', 'Europe/London', '2026-10-25T03:00:00.000Z'],
    ['2026-06-15 09:00:00', 'America/New_York', '2026-06-15T13:00:00.000Z'],
    ['2026-06-15T13:00:00Z', 'Europe/London', '2026-06-15T13:00:00.000Z'],
    ['2026-06-15T13:00:00+01:00', 'America/New_York', '2026-06-15T12:00:00.000Z'],
    ['1781524800', 'Europe/London', '2026-06-15T12:00:00.000Z'],
  ])('reads %j in %s as %s (an explicit zone or UNIX time wins)', (text, zone, expected) => {
    // Act
    const date = parsePaytiaTimestamp(text, zone);

    // Assess
    expect(date?.toISOString()).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '31-02-2024 10:00:00',
    '29-02-2023 10:00:00',
    '15-13-2024 10:00:00',
    '15-03-2024 24:00:00',
    '15-03-2024 23:60:00',
    '15-03-2024 23:59:60',
    '2024-02-30',
    '0000-00-00 00:00:00',
    '2024-3-5 01:02:03',
    '2026-04-23T10:30:00+25:00',
  ])('rejects %j', (text) => {
    // Prepare
    const input = text;

    // Act
    const date = parsePaytiaTimestamp(input);

    // Assess
    expect(date).toBeUndefined();
  });

  it('reads back any UTC instant written in either documented format', () => {
    // Prepare
    const instants = fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('2999-12-31T23:59:59Z'),
      noInvalidDate: true,
    });

    // Act and Assess
    fc.assert(
      fc.property(instants, (instant) => {
        const whole = new Date(Math.floor(instant.getTime() / 1000) * 1000);
        const [date = '', time = ''] = whole.toISOString().slice(0, 19).split('T');
        const [year, month, day] = date.split('-');
        expect(parsePaytiaTimestamp(`${date} ${time}`)).toEqual(whole);
        expect(parsePaytiaTimestamp(`${day}-${month}-${year} ${time}`)).toEqual(whole);
      }),
    );
  });
});

describe('isCalendarDate', () => {
  it.each(['2024-02-29', '2026-06-30', '2000-01-01', '2026-12-31'])('accepts %s', (text) => {
    // Prepare
    const input = text;

    // Act
    const result = isCalendarDate(input);

    // Assess
    expect(result).toBe(true);
  });

  it.each([
    '2023-02-29',
    '2026-06-31',
    '2026-13-01',
    '2026-00-10',
    '2026-6-1',
    '30-06-2026',
    '2026-06-30 00:00:00',
    '',
  ])('rejects %j', (text) => {
    // Prepare
    const input = text;

    // Act
    const result = isCalendarDate(input);

    // Assess
    expect(result).toBe(false);
  });
});
