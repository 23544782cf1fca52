import { checkCron } from '../../charts';
import { cronScheduleError } from '../../charts/common/cron';
import { expectConfigErrorAt } from '../util';

describe('CronJob schedules (charts/common/cron.ts)', () => {
  test('cron: what the API server accepts (robfig/cron v3 ParseStandard), no more, no less', () => {
    for (const c of [
      '15 2 * * *',
      '*/5 * * * *',
      '0 0 1,15 * 1-5',
      '@daily',
      '0 2 * * MON',
      '0 2 1 JAN *',
      '0 2 ? * *',
      '0 2 * * mon-fri',
      '0 0 31 2 *',
      '5/10 * * * *',
      '@every 1h30m',
      '@every 90s',
      '0 0 * * 0',
      '0 0 1,,2 * *',
      '+5 * * * *',
    ])
      expect(checkCron('s', c)).toBe(c);
    for (const c of [
      '15 2 * *',
      '60 * * * *',
      '* 24 * * *',
      '*/0 * * * *',
      'every day',
      '0 5-1 * * *',
      '0 2 * * 7',
      '0 2 L * *',
      '0 2 * * 1#2',
      '0 0 0 * *',
      '* * * * * *',
      '0 2 * * MON-',
      'CRON_TZ=UTC 0 2 * * *',
      '@every day',
      '@weekday',
      ' @daily',
      '0 0 1-2-3 * *',
      '0 0 1/2/3 * *',
      'JAN * * * *',
    ]) {
      expectConfigErrorAt(() => checkCron('backups.schedule', c), 'backups.schedule', /five fields/);
    }
  });

  test('each refusal says why, naming the field of the schedule that is wrong', () => {
    expect(cronScheduleError('')).toBe('it is empty');
    expect(cronScheduleError('CRON_TZ=UTC 0 2 * * *')).toMatch(/time zone has its own key/);
    expect(cronScheduleError('TZ=Europe/Berlin 0 2 * * *')).toMatch(/TZ/);
    expect(cronScheduleError('15 2 * *')).toBe('it has 4 fields, not 5');
    expect(cronScheduleError('60 * * * *')).toBe('minute: 60 is above 59');
    expect(cronScheduleError('* 24 * * *')).toBe('hour: 24 is above 23');
    expect(cronScheduleError('0 0 0 * *')).toBe('day of month: 0 is below 1');
    expect(cronScheduleError('0 0 * 13 *')).toBe('month: 13 is above 12');
    expect(cronScheduleError('0 2 * * 7')).toBe('day of week: 7 is above 6');
    expect(cronScheduleError('0 5-1 * * *')).toMatch(/^hour: the range "5-1" starts after it ends/);
    expect(cronScheduleError('*/0 * * * *')).toMatch(/^minute: the step of "\*\/0" must be positive/);
    expect(cronScheduleError('*/x * * * *')).toMatch(/^minute: the step of "\*\/x" is not a number/);
    expect(cronScheduleError('0 0 1-2-3 * *')).toMatch(/^day of month: too many hyphens/);
    expect(cronScheduleError('0 0 1/2/3 * *')).toMatch(/^day of month: too many slashes/);
    // Names only where robfig has them: months and weekdays, not minutes.
    expect(cronScheduleError('JAN * * * *')).toBe('minute: "JAN" is not a number');
    expect(cronScheduleError('0 0 * FOO *')).toBe('month: "FOO" is not a number or a name');
    expect(cronScheduleError('@weekday')).toBe('"@weekday" is not a descriptor');
    expect(cronScheduleError('@every day')).toBe('"day" is not a duration such as 1h30m');
  });

  test('a step on a single value runs to the end of the range (robfig: "5/10" is 5-59/10)', () => {
    expect(cronScheduleError('5/10 * * * *')).toBeUndefined();
    expect(cronScheduleError('0 23/2 * * *')).toBeUndefined();
    // The range form is still bounded by its own end.
    expect(cronScheduleError('0 20-25/2 * * *')).toBe('hour: 25 is above 23');
  });

  test('Go durations for @every: units and fractions as time.ParseDuration reads them', () => {
    for (const d of ['1h', '1h30m', '90s', '1.5h', '.5h', '500ms', '1us', '1µs', '0']) expect(cronScheduleError(`@every ${d}`)).toBeUndefined();
    for (const d of ['1', '1d', 'h', '1h 30m', '-']) expect(cronScheduleError(`@every ${d}`)).toBeDefined();
  });

  test('whitespace between fields is any run of spaces or tabs; empty list entries are dropped', () => {
    expect(cronScheduleError('0\t2  *\t* *')).toBeUndefined();
    expect(cronScheduleError('0 0 1,,2 * *')).toBeUndefined();
    expect(cronScheduleError('0 0 1,32 * *')).toBe('day of month: 32 is above 31');
  });
});
