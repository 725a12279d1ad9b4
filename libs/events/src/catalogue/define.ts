import type { z } from 'zod';

/** An entry of the event catalogue: the type string and the zod schema of its `data`. */
export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  type: string;
  schema: S;
}

export function defineEvent<S extends z.ZodType>(type: string, schema: S): EventDefinition<S> {
  return { type, schema };
}

export type EventData<D> = D extends EventDefinition<infer S> ? z.infer<S> : never;
