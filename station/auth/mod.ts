/**
 * Authentication of people: the admin password, web sessions, login throttling.
 * @module
 */
export {
  hashPassword,
  initialPassword,
  matchesHash,
  OWNER_HASH_KEY,
  ownerExists,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordChanged,
  type PasswordContext,
  type PasswordIssue,
  passwordIssues,
  PasswordRuleError,
  removeOwner,
  resetPassword,
  sameSecret,
  setOwnerPassword,
  setPassword,
  verifyOwnerPassword,
  verifyPassword,
  webPasswordSetter,
} from "./password.ts";
export { type WebSession, WebSessions, type WebSessionsOptions } from "./web_sessions.ts";
export { LoginThrottle, type LoginThrottleOptions } from "./login_throttle.ts";
