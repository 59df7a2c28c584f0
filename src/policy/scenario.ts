// The simulator's scenario format (issue 4), its parser, and the same scenario run on the pure functions
// alone. The DB-backed run (jobs/simulation.ts) must print exactly what simulatePure computes.
import { addDays, type IsoDate } from '../dates.js';
import { applyComplaint } from './complaint.js';
import { decide } from './job.js';
import { applyBounce, eventWeight, type BounceCategory, type EventKind } from './scoring.js';
import { DEFAULT_POLICY, POLICY_COLUMNS, type PolicySettings } from './settings.js';
import { NEW_MEMBER, reenable, resetScore, resubscribe, unsubscribe, type Change, type MemberState } from './state.js';

export type ScenarioAction = 'reenable' | 'unsubscribe' | 'resubscribe' | 'reset_score';

export type ScenarioEvent =
  | { day: number; address: string; type: 'event'; kind: EventKind; category: BounceCategory | null }
  | { day: number; address: string; type: 'action'; action: ScenarioAction };

export interface Scenario {
  list: PolicySettings;
  members: string[];
  events: ScenarioEvent[];
  days: number;
}

export type OutputStatus = 'enabled' | 'disabled_by_bounce' | 'removed' | 'unsubscribed';

export interface DayOutput {
  day: number;
  members: Record<string, { score: number; status: OutputStatus; warnings_sent: number }>;
  notices: Array<{ to: 'member' | 'owner'; address: string; type: 'disabled' | 'warning' | 'removed' }>;
}

export interface SimulationOutput {
  days: DayOutput[];
}

export class ScenarioError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ScenarioError';
  }
}

/** Day 0 of every simulation (any date works; a fixed one keeps outputs reproducible). */
export const SIMULATION_DAY0: IsoDate = '2026-01-05';
export const MAX_SIMULATION_DAYS = 3660;

const ACTIONS: readonly ScenarioAction[] = ['reenable', 'unsubscribe', 'resubscribe', 'reset_score'];
const CATEGORIES: readonly BounceCategory[] = ['hard', 'soft', 'blocked'];
const KINDS: readonly EventKind[] = ['bounce', 'delay', 'complaint', 'autoreply'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function intField(o: Record<string, unknown>, key: string, where: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ScenarioError(`${where}.${key}`, `must be a whole number, got ${JSON.stringify(v)}`);
  if (v < min || v > max) throw new ScenarioError(`${where}.${key}`, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function boolField(o: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ScenarioError(`${where}.${key}`, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function parseList(v: unknown): PolicySettings {
  if (v === undefined) return { ...DEFAULT_POLICY };
  if (!isObject(v)) throw new ScenarioError('list', 'must be an object of list settings');
  const known = new Set<string>(POLICY_COLUMNS);
  for (const k of Object.keys(v)) if (!known.has(k)) throw new ScenarioError(`list.${k}`, `unknown setting (known: ${[...known].join(', ')})`);
  const s: PolicySettings = { ...DEFAULT_POLICY };
  if (v.threshold !== undefined) {
    const t = v.threshold;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 1000 || Math.round(t * 100) !== t * 100) {
      throw new ScenarioError('list.threshold', `must be a number greater than 0 and at most 1000 (2 decimals), got ${JSON.stringify(t)}`);
    }
    s.threshold = t;
  }
  s.staleAfterDays = intField(v, 'stale_after_days', 'list', 1, 365) ?? s.staleAfterDays;
  s.warnings = intField(v, 'warnings', 'list', 0, 52) ?? s.warnings;
  s.warningIntervalDays = intField(v, 'warning_interval_days', 'list', 1, 365) ?? s.warningIntervalDays;
  if (v.blocked_weight !== undefined) {
    if (v.blocked_weight !== 0 && v.blocked_weight !== 0.5) {
      throw new ScenarioError('list.blocked_weight', `must be 0 or 0.5, got ${JSON.stringify(v.blocked_weight)}`);
    }
    s.blockedWeight = v.blocked_weight;
  }
  s.notifyOwnerOnDisable = boolField(v, 'notify_owner_on_disable', 'list') ?? s.notifyOwnerOnDisable;
  s.notifyOwnerOnRemoval = boolField(v, 'notify_owner_on_removal', 'list') ?? s.notifyOwnerOnRemoval;
  s.unsubscribeOnComplaint = boolField(v, 'unsubscribe_on_complaint', 'list') ?? s.unsubscribeOnComplaint;
  s.processBounces = boolField(v, 'process_bounces', 'list') ?? s.processBounces;
  return s;
}

/** Parses and checks a scenario; throws ScenarioError naming the offending field. */
export function parseScenario(input: unknown): Scenario {
  if (!isObject(input)) throw new ScenarioError('(scenario)', 'must be a JSON object with "members", "events" and "days"');
  for (const k of Object.keys(input)) {
    if (!['list', 'members', 'events', 'days'].includes(k)) throw new ScenarioError(k, 'unknown field (known: list, members, events, days)');
  }
  const list = parseList(input.list);
  if (!Array.isArray(input.members)) throw new ScenarioError('members', 'must be an array of addresses');
  const members: string[] = [];
  const seen = new Set<string>();
  input.members.forEach((m, i) => {
    if (typeof m !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(m.trim())) {
      throw new ScenarioError(`members[${i}]`, `must be an e-mail address, got ${JSON.stringify(m)}`);
    }
    const a = m.trim().toLowerCase();
    if (seen.has(a)) throw new ScenarioError(`members[${i}]`, `duplicate address ${a}`);
    seen.add(a);
    members.push(a);
  });
  if (input.days === undefined) throw new ScenarioError('days', 'is required: how many days to simulate (day 0 to days-1)');
  const days = intField(input, 'days', '(scenario)', 1, MAX_SIMULATION_DAYS);
  if (days === undefined) throw new ScenarioError('days', 'is required');
  const rawEvents = input.events ?? [];
  if (!Array.isArray(rawEvents)) throw new ScenarioError('events', 'must be an array');
  const events: ScenarioEvent[] = rawEvents.map((e, i) => {
    const where = `events[${i}]`;
    if (!isObject(e)) throw new ScenarioError(where, 'must be an object');
    for (const k of Object.keys(e)) {
      if (!['day', 'address', 'category', 'action', 'kind'].includes(k)) {
        throw new ScenarioError(`${where}.${k}`, 'unknown field (known: day, address, category, kind, action)');
      }
    }
    if (e.day === undefined) throw new ScenarioError(`${where}.day`, 'is required');
    const day = intField(e, 'day', where, 0, days - 1)!;
    if (typeof e.address !== 'string') throw new ScenarioError(`${where}.address`, 'is required (one of the members)');
    const address = e.address.trim().toLowerCase();
    if (!seen.has(address)) throw new ScenarioError(`${where}.address`, `${JSON.stringify(e.address)} is not one of the members`);
    if (e.action !== undefined) {
      if (e.category !== undefined || e.kind !== undefined) {
        throw new ScenarioError(`${where}.action`, 'an event has either "action" or "category"/"kind", not both');
      }
      if (typeof e.action !== 'string' || !ACTIONS.includes(e.action as ScenarioAction)) {
        throw new ScenarioError(`${where}.action`, `must be one of ${ACTIONS.join(', ')}, got ${JSON.stringify(e.action)}`);
      }
      return { day, address, type: 'action', action: e.action as ScenarioAction };
    }
    const kind = (e.kind ?? 'bounce') as EventKind;
    if (!KINDS.includes(kind)) throw new ScenarioError(`${where}.kind`, `must be one of ${KINDS.join(', ')}, got ${JSON.stringify(e.kind)}`);
    if (kind === 'bounce') {
      if (e.category === undefined) throw new ScenarioError(`${where}.category`, `is required for a bounce: one of ${CATEGORIES.join(', ')} (or give "action")`);
      if (typeof e.category !== 'string' || !CATEGORIES.includes(e.category as BounceCategory)) {
        throw new ScenarioError(`${where}.category`, `must be one of ${CATEGORIES.join(', ')}, got ${JSON.stringify(e.category)}`);
      }
      return { day, address, type: 'event', kind, category: e.category as BounceCategory };
    }
    if (e.category !== undefined) throw new ScenarioError(`${where}.category`, `only a bounce has a category, this event is a ${kind}`);
    return { day, address, type: 'event', kind, category: null };
  });
  return { list, members, events, days };
}

const ACTION_RULES: Record<ScenarioAction, (s: MemberState) => Change> = {
  reenable,
  unsubscribe,
  resubscribe,
  reset_score: resetScore,
};

export function outputStatus(s: MemberState['status']): OutputStatus {
  return s === 'pending' ? 'enabled' : s;
}

const NOTICE_ORDER = { disabled: 0, warning: 1, removed: 2 } as const;

/** The canonical order of a day's notices: by member (as listed), member before owner, then type. */
export function sortNotices(notices: DayOutput['notices'], members: readonly string[]): DayOutput['notices'] {
  const pos = new Map(members.map((m, i) => [m, i]));
  return [...notices].sort(
    (a, b) =>
      (pos.get(a.address) ?? 0) - (pos.get(b.address) ?? 0) ||
      (a.to === b.to ? 0 : a.to === 'member' ? -1 : 1) ||
      NOTICE_ORDER[a.type] - NOTICE_ORDER[b.type],
  );
}

/** The scenario on the pure functions alone: the reference the DB-backed simulator is checked against. */
export function simulatePure(sc: Scenario): SimulationOutput {
  const states = new Map<string, MemberState>(sc.members.map((m) => [m, { ...NEW_MEMBER }]));
  const out: DayOutput[] = [];
  for (let day = 0; day < sc.days; day++) {
    const date = addDays(SIMULATION_DAY0, day);
    for (const e of sc.events) {
      if (e.day !== day) continue;
      const s = states.get(e.address)!;
      if (e.type === 'action') states.set(e.address, ACTION_RULES[e.action](s).state);
      else if (e.kind === 'complaint') states.set(e.address, applyComplaint(s, sc.list).state);
      else states.set(e.address, applyBounce(s, eventWeight(e.kind, e.category, sc.list), date, sc.list).state);
    }
    const notices: DayOutput['notices'] = [];
    for (const m of sc.members) {
      const d = decide(states.get(m)!, date, sc.list);
      states.set(m, d.state);
      if (d.memberNotice) notices.push({ to: 'member', address: m, type: d.memberNotice });
      for (const o of d.ownerNotices) notices.push({ to: 'owner', address: m, type: o === 'owner_disabled' ? 'disabled' : 'removed' });
    }
    const members: DayOutput['members'] = {};
    for (const m of sc.members) {
      const s = states.get(m)!;
      members[m] = { score: s.score, status: outputStatus(s.status), warnings_sent: s.warningsSent };
    }
    out.push({ day, members, notices: sortNotices(notices, sc.members) });
  }
  return { days: out };
}
