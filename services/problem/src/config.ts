import { loadConfig } from '@itsm/core';
import { z } from 'zod';
import { DEFAULT_DETECTION, type DetectionSettings } from './domain/detection';
import { DEFAULT_MATRIX, validateMatrix, type PriorityMatrix } from './domain/priority';

/** The Problem service's own settings (the runtime's, such as PORT and DATABASE_NAME, are read by @itsm/runtime). */
export const problemConfigSchema = z.object({
  /** incidents of one cluster (same CI, or same category and symptom) that open a candidate problem */
  PROBLEM_DETECTION_THRESHOLD: z.coerce.number().int().min(2).max(1000).default(DEFAULT_DETECTION.threshold),
  /** the window (hours, by the incidents' business time) the cluster must fall within */
  PROBLEM_DETECTION_WINDOW_HOURS: z.coerce.number().positive().max(24 * 365).default(DEFAULT_DETECTION.windowMs / 3600_000),
  PROBLEM_DETECTION_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** impact × urgency → priority, JSON 3×3 (rows = impact 1..3); default: the incidents' matrix */
  PROBLEM_PRIORITY_MATRIX: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return DEFAULT_MATRIX;
      try {
        return validateMatrix(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON 3×3 matrix of priorities 1..5' });
        return z.NEVER;
      }
    }),
});

export interface ProblemConfig {
  detection: DetectionSettings & { enabled: boolean };
  matrix: PriorityMatrix;
}

export function loadProblemConfig(env: NodeJS.ProcessEnv = process.env): ProblemConfig {
  const c = loadConfig(problemConfigSchema, env);
  return {
    detection: {
      enabled: c.PROBLEM_DETECTION_ENABLED,
      threshold: c.PROBLEM_DETECTION_THRESHOLD,
      windowMs: Math.round(c.PROBLEM_DETECTION_WINDOW_HOURS * 3600_000),
    },
    matrix: c.PROBLEM_PRIORITY_MATRIX,
  };
}
