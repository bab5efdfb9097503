/** Per-team limits; absent fields fall back to the gateway's env defaults. */
export interface TeamLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  maxConcurrent?: number;
  maxWaiting?: number;
}

export interface Team {
  id: string;
  name: string;
  /** Models the team may use; empty = all. */
  allowedModels: string[];
  limits: TeamLimits;
  createdAt: number;
}
