import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError, simulatePure } from '../../../src/policy/scenario.js';

const fieldOf = (input: unknown): string => {
  try {
    parseScenario(input);
  } catch (err) {
    if (err instanceof ScenarioError) return err.field;
    throw err;
  }
  return '(none)';
};

describe('simulator scenarios', () => {
  it('takes the list settings as optional, with the spec defaults', () => {
    const sc = parseScenario({ members: ['A@Example.org'], events: [{ day: 0, address: 'a@example.org', category: 'hard' }], days: 3 });
    expect(sc.list).toMatchObject({ threshold: 5, staleAfterDays: 7, warnings: 3, warningIntervalDays: 7, blockedWeight: 0 });
    expect(sc.members).toEqual(['a@example.org']);
  });

  it('names the field of bad input', () => {
    const ok = { members: ['a@example.org'], events: [], days: 5 };
    expect(fieldOf(null)).toBe('(scenario)');
    expect(fieldOf({ ...ok, list: { threshold: 0 } })).toBe('list.threshold');
    expect(fieldOf({ ...ok, list: { warnings: -1 } })).toBe('list.warnings');
    expect(fieldOf({ ...ok, list: { blocked_weight: 1 } })).toBe('list.blocked_weight');
    expect(fieldOf({ ...ok, list: { thresold: 3 } })).toBe('list.thresold');
    expect(fieldOf({ ...ok, members: ['nope'] })).toBe('members[0]');
    expect(fieldOf({ ...ok, days: 0 })).toBe('(scenario).days');
    expect(fieldOf({ members: ok.members, events: [] })).toBe('days');
    expect(fieldOf({ ...ok, events: [{ day: 9, address: 'a@example.org', category: 'hard' }] })).toBe('events[0].day');
    expect(fieldOf({ ...ok, events: [{ day: 1, address: 'b@example.org', category: 'hard' }] })).toBe('events[0].address');
    expect(fieldOf({ ...ok, events: [{ day: 1, address: 'a@example.org', category: 'firm' }] })).toBe('events[0].category');
    expect(fieldOf({ ...ok, events: [{ day: 1, address: 'a@example.org' }] })).toBe('events[0].category');
    expect(fieldOf({ ...ok, events: [{ day: 1, address: 'a@example.org', action: 'enable' }] })).toBe('events[0].action');
  });

  it('runs on the pure functions: one hard bounce a day disables on day 4', () => {
    const out = simulatePure(parseScenario({
      members: ['a@example.org'],
      events: [0, 1, 2, 3, 4].map((day) => ({ day, address: 'a@example.org', category: 'hard' })),
      days: 5,
    }));
    expect(out.days[4]).toEqual({
      day: 4,
      members: { 'a@example.org': { score: 5, status: 'disabled_by_bounce', warnings_sent: 1 } },
      notices: [
        { to: 'member', address: 'a@example.org', type: 'disabled' },
        { to: 'owner', address: 'a@example.org', type: 'disabled' },
      ],
    });
  });
});
