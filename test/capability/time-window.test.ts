import { describe, expect, it } from 'vitest';
import { checkConstraints } from '../../src/capability/constraints.js';
import { localTime, timeWindowContains, type TimeWindow } from '../../src/capability/time-window.js';
import { isLegateError } from '../../src/errors/index.js';
import { ALL_DAYS, WORKDAYS } from './fixtures.js';

const at = (iso: string) => new Date(iso);
const office = (timeZone: string): TimeWindow => ({ days: WORKDAYS, start: '09:00', end: '17:00', timeZone });
const codes = (window: TimeWindow, iso: string) =>
  checkConstraints({ timeWindow: window }, { now: at(iso) }).map((f) => f.code);

describe('timeWindow: office hours', () => {
  const paris = office('Europe/Paris');

  it('allows inside and denies outside with ERR_CONSTRAINT_TIME', () => {
    expect(codes(paris, '2026-03-02T09:00:00Z')).toEqual([]); // Mon 10:00 CET
    expect(codes(paris, '2026-03-02T16:30:00Z')).toEqual(['ERR_CONSTRAINT_TIME']); // Mon 17:30
    expect(codes(paris, '2026-03-01T10:00:00Z')).toEqual(['ERR_CONSTRAINT_TIME']); // Sun 11:00
  });

  it('is half-open: start included, end excluded', () => {
    expect(timeWindowContains(paris, at('2026-03-02T08:00:00Z'))).toBe(true); // 09:00
    expect(timeWindowContains(paris, at('2026-03-02T07:59:59Z'))).toBe(false); // 08:59:59
    expect(timeWindowContains(paris, at('2026-03-02T15:59:59Z'))).toBe(true); // 16:59:59
    expect(timeWindowContains(paris, at('2026-03-02T16:00:00Z'))).toBe(false); // 17:00
  });
});

describe('timeWindow: DST, Europe/Paris (2026-03-29 and 2026-10-25)', () => {
  const paris = office('Europe/Paris');

  it('follows CET before the March switch (UTC+1)', () => {
    // Friday 27 March
    expect(timeWindowContains(paris, at('2026-03-27T07:59:00Z'))).toBe(false);
    expect(timeWindowContains(paris, at('2026-03-27T08:00:00Z'))).toBe(true);
    expect(timeWindowContains(paris, at('2026-03-27T15:59:00Z'))).toBe(true);
    expect(timeWindowContains(paris, at('2026-03-27T16:00:00Z'))).toBe(false);
  });

  it('follows CEST after the March switch (UTC+2)', () => {
    // Monday 30 March
    expect(timeWindowContains(paris, at('2026-03-30T06:59:00Z'))).toBe(false);
    expect(timeWindowContains(paris, at('2026-03-30T07:00:00Z'))).toBe(true);
    expect(timeWindowContains(paris, at('2026-03-30T14:59:00Z'))).toBe(true);
    expect(timeWindowContains(paris, at('2026-03-30T15:00:00Z'))).toBe(false);
  });

  it('gives the same UTC instant different answers across the switch', () => {
    expect(codes(paris, '2026-03-27T07:30:00Z')).toEqual(['ERR_CONSTRAINT_TIME']); // Fri 08:30 CET
    expect(codes(paris, '2026-03-30T07:30:00Z')).toEqual([]); // Mon 09:30 CEST
    expect(codes(paris, '2026-10-23T07:30:00Z')).toEqual([]); // Fri 09:30 CEST
    expect(codes(paris, '2026-10-26T07:30:00Z')).toEqual(['ERR_CONSTRAINT_TIME']); // Mon 08:30 CET
  });

  it('follows CEST before and CET after the October switch', () => {
    expect(timeWindowContains(paris, at('2026-10-23T06:59:00Z'))).toBe(false);
    expect(timeWindowContains(paris, at('2026-10-23T07:00:00Z'))).toBe(true);
    expect(timeWindowContains(paris, at('2026-10-23T15:00:00Z'))).toBe(false);
    expect(timeWindowContains(paris, at('2026-10-26T07:59:00Z'))).toBe(false);
    expect(timeWindowContains(paris, at('2026-10-26T08:00:00Z'))).toBe(true);
    expect(timeWindowContains(paris, at('2026-10-26T15:59:00Z'))).toBe(true);
    expect(timeWindowContains(paris, at('2026-10-26T16:00:00Z'))).toBe(false);
  });

  it('never opens a window inside the skipped spring hour, and opens the repeated autumn hour twice', () => {
    const night: TimeWindow = { days: ['Sun'], start: '02:00', end: '03:00', timeZone: 'Europe/Paris' };
    // 29 March: 01:59:59 CET is followed by 03:00:00 CEST.
    expect(timeWindowContains(night, at('2026-03-29T00:59:59Z'))).toBe(false);
    expect(timeWindowContains(night, at('2026-03-29T01:00:00Z'))).toBe(false);
    expect(localTime(at('2026-03-29T01:00:00Z'), 'Europe/Paris')).toEqual({ day: 'Sun', minutes: 180 });
    // 25 October: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    expect(timeWindowContains(night, at('2026-10-25T00:30:00Z'))).toBe(true);
    expect(timeWindowContains(night, at('2026-10-25T01:30:00Z'))).toBe(true);
    expect(timeWindowContains(night, at('2026-10-25T02:00:00Z'))).toBe(false); // 03:00 CET
  });
});

describe('timeWindow: DST, America/New_York (2026-03-08 and 2026-11-01)', () => {
  const ny = office('America/New_York');

  it('follows EST before and EDT after the March switch', () => {
    expect(timeWindowContains(ny, at('2026-03-06T13:59:00Z'))).toBe(false); // Fri 08:59 EST
    expect(timeWindowContains(ny, at('2026-03-06T14:00:00Z'))).toBe(true); // Fri 09:00 EST
    expect(timeWindowContains(ny, at('2026-03-06T21:59:00Z'))).toBe(true); // Fri 16:59 EST
    expect(timeWindowContains(ny, at('2026-03-09T12:59:00Z'))).toBe(false); // Mon 08:59 EDT
    expect(timeWindowContains(ny, at('2026-03-09T13:00:00Z'))).toBe(true); // Mon 09:00 EDT
    expect(timeWindowContains(ny, at('2026-03-09T21:00:00Z'))).toBe(false); // Mon 17:00 EDT
  });

  it('follows EDT before and EST after the November switch', () => {
    expect(timeWindowContains(ny, at('2026-10-30T13:00:00Z'))).toBe(true); // Fri 09:00 EDT
    expect(codes(ny, '2026-10-30T21:00:00Z')).toEqual(['ERR_CONSTRAINT_TIME']); // Fri 17:00 EDT
    expect(timeWindowContains(ny, at('2026-11-02T13:59:00Z'))).toBe(false); // Mon 08:59 EST
    expect(timeWindowContains(ny, at('2026-11-02T14:00:00Z'))).toBe(true); // Mon 09:00 EST
    expect(codes(ny, '2026-11-02T21:00:00Z')).toEqual([]); // Mon 16:00 EST
  });
});

describe('timeWindow: crossing midnight', () => {
  // The night shift starting on Friday only, in UTC.
  const friNight: TimeWindow = { days: ['Fri'], start: '22:00', end: '06:00', timeZone: 'UTC' };

  it('covers the evening of a listed day and the morning after it', () => {
    expect(codes(friNight, '2026-03-06T22:00:00Z')).toEqual([]); // Fri 22:00
    expect(codes(friNight, '2026-03-06T23:59:59Z')).toEqual([]);
    expect(codes(friNight, '2026-03-07T00:00:00Z')).toEqual([]); // Sat 00:00
    expect(codes(friNight, '2026-03-07T05:59:59Z')).toEqual([]); // Sat 05:59
  });

  it('denies outside: before start, at end, and mornings after unlisted days', () => {
    expect(codes(friNight, '2026-03-06T21:59:59Z')).toEqual(['ERR_CONSTRAINT_TIME']);
    expect(codes(friNight, '2026-03-07T06:00:00Z')).toEqual(['ERR_CONSTRAINT_TIME']);
    expect(codes(friNight, '2026-03-07T22:30:00Z')).toEqual(['ERR_CONSTRAINT_TIME']); // Sat evening
    expect(codes(friNight, '2026-03-06T05:00:00Z')).toEqual(['ERR_CONSTRAINT_TIME']); // Fri morning: after Thu
    expect(codes(friNight, '2026-03-05T23:00:00Z')).toEqual(['ERR_CONSTRAINT_TIME']); // Thu night
  });

  it('uses the zone of the window for the day it starts on', () => {
    const tokyo: TimeWindow = { days: ['Mon'], start: '22:00', end: '02:00', timeZone: 'Asia/Tokyo' };
    expect(timeWindowContains(tokyo, at('2026-03-02T13:30:00Z'))).toBe(true); // Mon 22:30 JST
    expect(timeWindowContains(tokyo, at('2026-03-02T16:30:00Z'))).toBe(true); // Tue 01:30 JST
    expect(timeWindowContains(tokyo, at('2026-03-02T17:00:00Z'))).toBe(false); // Tue 02:00 JST
  });
});

describe('timeWindow: 24/7 and edge forms', () => {
  const always = (timeZone: string): TimeWindow => ({ days: ALL_DAYS, start: '00:00', end: '24:00', timeZone });

  it('is always open, DST switches included', () => {
    const instants = [
      '2026-03-01T00:00:00Z',
      '2026-03-02T23:59:59Z',
      '2026-03-29T00:59:59Z',
      '2026-03-29T01:00:00Z',
      '2026-10-25T00:30:00Z',
      '2026-10-25T01:30:00Z',
      '2026-11-01T06:00:00Z',
      '2026-12-31T23:59:59.999Z',
    ];
    for (const zone of ['UTC', 'Europe/Paris', 'America/New_York', 'Pacific/Kiritimati']) {
      for (const iso of instants) expect(codes(always(zone), iso), `${zone} ${iso}`).toEqual([]);
    }
  });

  it('treats start == end as an empty window, not a full day', () => {
    const empty: TimeWindow = { days: ALL_DAYS, start: '00:00', end: '00:00', timeZone: 'UTC' };
    expect(codes(empty, '2026-03-02T00:00:00Z')).toEqual(['ERR_CONSTRAINT_TIME']);
    expect(codes(empty, '2026-03-02T12:00:00Z')).toEqual(['ERR_CONSTRAINT_TIME']);
  });

  it('reports an unknown time zone or malformed time as ERR_MALFORMED', () => {
    expect(codes({ ...always('UTC'), timeZone: 'Mars/Olympus_Mons' }, '2026-03-02T10:00:00Z')).toEqual(['ERR_MALFORMED']);
    expect(codes({ ...always('UTC'), start: '9:00' }, '2026-03-02T10:00:00Z')).toEqual(['ERR_MALFORMED']);
    expect(codes({ ...always('UTC'), start: '24:00' }, '2026-03-02T10:00:00Z')).toEqual(['ERR_MALFORMED']);
    expect(codes({ ...always('UTC'), end: '24:01' }, '2026-03-02T10:00:00Z')).toEqual(['ERR_MALFORMED']);
    expect(codes({ ...always('UTC'), end: '12:60' }, '2026-03-02T10:00:00Z')).toEqual(['ERR_MALFORMED']);
    expect(codes({ ...always('UTC'), days: ['Funday' as 'Mon'] }, '2026-03-02T10:00:00Z')).toEqual(['ERR_MALFORMED']);
  });

  it('throws InputError ERR_MALFORMED from the direct check', () => {
    expect(() => timeWindowContains({ ...always('UTC'), timeZone: 'Nowhere/Land' }, at('2026-03-02T10:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED' }) as Error,
    );
    try {
      timeWindowContains({ ...always('UTC'), timeZone: '' }, at('2026-03-02T10:00:00Z'));
      expect.unreachable();
    } catch (error) {
      expect(isLegateError(error, 'ERR_MALFORMED')).toBe(true);
    }
  });
});
