// npm run simulate -- scenario.json   (or a scenario on stdin)
// Runs a bounce-policy scenario through the real code on a throwaway embedded database; prints JSON.
import { readFileSync } from 'node:fs';
import { runScenario } from '../src/jobs/simulation.js';
import { parseScenario, ScenarioError } from '../src/policy/scenario.js';

function fail(message: string): never {
  process.stderr.write(`simulate: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const compact = args.includes('--compact');
  const file = args.find((a) => !a.startsWith('--'));
  let text: string;
  try {
    text = file && file !== '-' ? readFileSync(file, 'utf8') : readFileSync(0, 'utf8');
  } catch (err) {
    fail(`cannot read ${file ?? 'stdin'}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(`the scenario is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  let scenario;
  try {
    scenario = parseScenario(json);
  } catch (err) {
    if (err instanceof ScenarioError) fail(`invalid scenario: ${err.message}`);
    throw err;
  }
  const output = await runScenario(scenario);
  process.stdout.write(JSON.stringify(output, null, compact ? undefined : 2) + '\n');
}

main().catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
