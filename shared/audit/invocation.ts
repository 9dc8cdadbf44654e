import * as z from 'zod/mini';
import type { SweepWindow } from './sweep.js';

/** What the schedules (or an operator) ask the audit function to do. */
const InvocationSchema = z.union([
  z.object({ mode: z.literal('audit') }),
  z.object({ mode: z.literal('sweep'), window: z.enum(['recent', 'previous_day']) }),
  z.object({
    mode: z.literal('sweep'),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
  }),
]);

export type Invocation = { mode: 'audit' } | { mode: 'sweep'; window: SweepWindow };

/** Reads the invocation event; an unknown one fails with the forms it accepts. */
export function readInvocation(event: unknown): Invocation {
  const result = InvocationSchema.safeParse(event);
  if (!result.success) {
    throw new Error(
      'audit: unknown invocation; expected {"mode":"audit"}, {"mode":"sweep","window":"recent"|"previous_day"} ' +
        'or {"mode":"sweep","from":"<ISO time>","to":"<ISO time>"}',
    );
  }
  const invocation = result.data;
  if (invocation.mode === 'audit') return invocation;
  if ('window' in invocation) return { mode: 'sweep', window: invocation.window };
  const from = new Date(invocation.from);
  const to = new Date(invocation.to);
  if (!(from < to)) throw new Error('audit: a sweep needs "from" before "to"');
  return { mode: 'sweep', window: { from, to } };
}
