/**
 * Five-field cron schedules (minute hour day-of-month month day-of-week), as Kubernetes CronJobs
 * take them: the fields, and the values a field selects. Validation and the batch alarms' windows
 * read schedules through here.
 */

export interface CronFieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted for the values, from `min` (`JAN` = 1, `SUN` = 0). */
  readonly names?: readonly string[];
}

export const CRON_FIELDS: readonly [CronFieldSpec, CronFieldSpec, CronFieldSpec, CronFieldSpec, CronFieldSpec] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/**
 * The values one field selects (`*`, `a`, `a-b`, each with an optional `/step`, comma-separated;
 * `a/step` runs from `a` to the field's maximum), or undefined when the field is not valid.
 */
export function cronValues(field: string, spec: CronFieldSpec): Set<number> | undefined {
  const value = (text: string) => {
    const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
    if (named >= 0) return named + (spec.min === 1 ? 1 : 0);
    return /^\d+$/.test(text) ? Number(text) : Number.NaN;
  };
  const inRange = (n: number) => Number.isInteger(n) && n >= spec.min && n <= spec.max;
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    if (stepText !== undefined && !(/^\d+$/.test(stepText) && Number(stepText) > 0)) return undefined;
    const step = stepText === undefined ? 1 : Number(stepText);
    let from = spec.min;
    let to = spec.max;
    if (range !== '*') {
      const [a = '', b] = range.split('-');
      from = value(a);
      to = b === undefined ? (stepText === undefined ? from : spec.max) : value(b);
      if (!inRange(from) || !inRange(to) || from > to) return undefined;
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}
