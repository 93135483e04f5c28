export { ApiPromise, type WithResponse } from './api-promise.js';
export type {
  CheckLockOptions,
  CheckLockParams,
  CheckLockResult,
  FailOpenReason,
} from './check-lock.js';
export { type ClientOptions, OnceOnly } from './client.js';
export {
  AbortError,
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  type ErrorCodeDetail,
  type ErrorDetail,
  InternalServerError,
  InvalidInputError,
  InvalidResponseError,
  isOnceOnlyError,
  NotFoundError,
  OnceOnlyError,
  OverLimitError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
  UnauthorizedError,
  ValidationError,
  type ValidationIssue,
} from './errors.js';
export { Governance, type ScopeParams } from './governance.js';
export type { Logger, LogLevel } from './internal/log.js';
export type { FetchLike, RequestOptions } from './internal/transport.js';
export type * from './types.js';
export { VERSION } from './version.js';
