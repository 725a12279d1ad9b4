export {
  AppError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  InvalidTransitionError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  PreconditionRequiredError,
  UnauthorizedError,
  ValidationError,
  isAppError,
} from './errors';
export type { FieldIssue } from './errors';
export { ConfigError, commonConfigSchema, commonEnv, loadConfig, portSchema } from './config';
export type { CommonConfig } from './config';
export { createLogger } from './logger';
export type { Logger } from './logger';
export { formatNumber, newId } from './ids';
export { fixedClock, systemClock } from './clock';
export type { Clock } from './clock';
