// Runs after every test of the suite: a secret that reached an error or a log line fails that test.
import { takeLeaks } from './leak-sink';

afterEach(() => {
  const leaks = takeLeaks();
  if (leaks.length > 0) throw new Error(`a secret leaked into SDK output:\n${leaks.join('\n')}`);
});
