// One rule for tests that need a real redis-server (or its tools): CI installs
// them, so where one is missing those tests fail, saying what to install.
// KV_TEST_WITHOUT_REDIS=1 skips them instead, under a name that says why, so a
// run without Redis is never mistaken for one that compared with it.

import { describe, test, type SuiteFactory, type TestFunction } from 'vitest';
import { haveBinary } from './servers.js';

/** Set to 1 to skip, visibly, what needs redis-server instead of failing. */
export const WITHOUT_REDIS = process.env['KV_TEST_WITHOUT_REDIS'] === '1';

const PACKAGE: Record<string, string> = {
  'redis-server': 'redis-server',
  'redis-check-rdb': 'redis-server',
  'redis-check-aof': 'redis-server',
  'redis-cli': 'redis-tools',
  'redis-benchmark': 'redis-tools',
};

/** The binaries of `binaries` not on PATH. */
export function missing(binaries: readonly string[] = ['redis-server']): string[] {
  return binaries.filter((b) => !haveBinary(b));
}

/** What a test that needs `absent` says when it fails for want of them. */
export function missingMessage(absent: readonly string[]): string {
  const pkgs = [...new Set(absent.map((b) => PACKAGE[b] ?? b))];
  return (
    `${absent.join(', ')} not on PATH: this test compares kv with Redis 7.0.15. ` +
    `Install Debian's ${pkgs.join(' and ')} package${pkgs.length > 1 ? 's' : ''} (bash .ci/run does), ` +
    `or set KV_TEST_WITHOUT_REDIS=1 to skip what needs ${absent.length > 1 ? 'them' : 'it'}.`
  );
}

/** The suffix a skipped suite's name carries. */
export function skippedBecause(absent: readonly string[]): string {
  return ` [SKIPPED: no ${absent.join(', ')} on PATH, KV_TEST_WITHOUT_REDIS=1]`;
}

/**
 * A describe block that needs `binaries`: run as usual when they are there;
 * skipped under a name saying why with KV_TEST_WITHOUT_REDIS=1; otherwise one
 * failing test in its place whose message says what to install.
 */
export function describeWithRedis(name: string, body: SuiteFactory, binaries: readonly string[] = ['redis-server']): void {
  const absent = missing(binaries);
  if (absent.length === 0) return void describe(name, body);
  if (WITHOUT_REDIS) return void describe.skipIf(true)(name + skippedBecause(absent), body);
  describe(name, () => {
    test(`needs ${absent.join(', ')}`, () => {
      throw new Error(missingMessage(absent));
    });
  });
}

/** One test that needs `binaries`, under the same rule as describeWithRedis. */
export function testWithRedis(name: string, fn: TestFunction, timeout?: number, binaries: readonly string[] = ['redis-server']): void {
  const absent = missing(binaries);
  if (absent.length === 0) return void test(name, fn, timeout);
  if (WITHOUT_REDIS) return void test.skipIf(true)(name + skippedBecause(absent), fn);
  test(name, () => {
    throw new Error(missingMessage(absent));
  });
}

/**
 * For a test that checks kv alone and also compares with redis-server when it
 * can: true when the comparison is to be left out (KV_TEST_WITHOUT_REDIS=1 and no
 * redis-server); throws the clear message when redis-server is missing otherwise.
 * Call it where the test starts its servers (a beforeAll), not at import.
 */
export function leaveOutRedis(binaries: readonly string[] = ['redis-server']): boolean {
  const absent = missing(binaries);
  if (absent.length === 0) return false;
  if (WITHOUT_REDIS) return true;
  throw new Error(missingMessage(absent));
}

/** A test name with the skip suffix when `leaveOutRedis` would leave the comparison out. */
export function nameWithRedis(name: string, binaries: readonly string[] = ['redis-server']): string {
  const absent = missing(binaries);
  return absent.length > 0 && WITHOUT_REDIS ? name + skippedBecause(absent).replace('SKIPPED', 'redis-server comparison SKIPPED') : name;
}
