// Imports each deployed bundle and invokes its handler, under whatever Node runs this script (the
// Node 24 bundle check runs it under the Lambda runtime's major, and under this machine's).
// Plain JavaScript on purpose: nothing but Node itself may stand between the bundle and the runtime.
//
// Usage: node invoke-bundles.mjs <plan.json> <result.json>
//   plan: { functions: [{ name, bundle, environment, invocations: [{ event }] }] }
//   result: { node, functions: { <name>: { imported, error?, outcomes: [{ ok, value?, error? }] } } }
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [planFile, resultFile] = process.argv.slice(2);
const plan = JSON.parse(readFileSync(planFile, 'utf8'));

/** The Lambda context fields the middlewares read. */
const contextFor = (name, attempt) => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: name,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:eu-west-2:123456789012:function:${name}`,
  memoryLimitInMB: '256',
  awsRequestId: `node-check-${name}-${attempt}`,
  logGroupName: `/aws/lambda/${name}`,
  logStreamName: '2026/11/21/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 10_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
});

const describeError = (error) => ({
  name: error?.name,
  message: error?.message ?? String(error),
  stage: error?.stage,
});

const results = { node: process.version, functions: {} };
for (const fn of plan.functions) {
  // Each function reads its configuration once, when its module loads: set it first.
  Object.assign(process.env, fn.environment);
  let handler;
  try {
    ({ handler } = await import(pathToFileURL(fn.bundle).href));
  } catch (error) {
    results.functions[fn.name] = { imported: false, error: String(error?.stack ?? error), outcomes: [] };
    continue;
  }
  const outcomes = [];
  for (const [attempt, invocation] of fn.invocations.entries()) {
    try {
      outcomes.push({ ok: true, value: await handler(invocation.event, contextFor(fn.name, attempt)) });
    } catch (error) {
      outcomes.push({ ok: false, error: describeError(error) });
    }
  }
  results.functions[fn.name] = { imported: typeof handler === 'function', outcomes };
}
writeFileSync(resultFile, JSON.stringify(results, null, 2));
