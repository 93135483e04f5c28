export { Ai, type RunKeyParams, type RunToolParams } from './ai.js';
export { ApiPromise, type WithResponse } from './api-promise.js';
export {
  type CheckLockOptions,
  type CheckLockParams,
  type CheckLockResult,
  checkLock,
  type FailOpenReason,
} from './check-lock.js';
export { OnceOnly } from './client.js';
export { type ClientOptions, OnceOnlyCore } from './core.js';
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
export {
  AmbiguousDuplicateError,
  type IdempotentAiOptions,
  type IdempotentOptions,
  idempotent,
  idempotentAi,
} from './idempotent.js';
export type { Logger, LogLevel } from './internal/log.js';
export type { FetchLike, RequestOptions } from './internal/transport.js';
export { LeaseLostError, type RunFnOptions, type RunFnResult } from './run-fn.js';
export {
  type SignatureFailure,
  SignatureVerificationError,
  type SignedCall,
  signToolCall,
  type VerifyToolSignatureOptions,
  verifyToolSignature,
} from './tool-signature.js';
export type * from './types.js';
export { VERSION } from './version.js';
export { TERMINAL_STATUSES, type WaitOptions, WaitTimeoutError } from './wait.js';
