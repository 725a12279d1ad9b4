import { z } from 'zod';

export const isoInstant = z.iso.datetime({ offset: true });
export const actor = z.object({ id: z.string(), name: z.string().optional() }).nullable().optional();
export const priority = z.number().int().min(1).max(5);
