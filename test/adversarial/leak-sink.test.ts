// The suite-wide secret check must itself work: it finds a secret whole and in part, and ignores the
// part every JWT shares.
import { checkText, findLeaks, registerSecret, takeLeaks } from '../support/leak-sink';

const jwt = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJqdGkiOiJhYmMxMjMiLCJ0eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJlLXZhbHVlLTEyMzQ1';

it('finds a secret whole, a 12-character run of it, and not the JWT header every token shares', () => {
  expect(findLeaks(`x ${jwt} y`, [jwt])).toHaveLength(1);
  expect(findLeaks(`cut: ${jwt.slice(50, 62)}`, [jwt])).toHaveLength(1);
  expect(findLeaks(`cut: ${jwt.slice(50, 61)}`, [jwt])).toEqual([]);
  expect(findLeaks('eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9', [jwt])).toEqual([]);
  expect(findLeaks(`key fragment ${'0123456789abcdef'.slice(2, 14)}`, ['0123456789abcdef'])).toHaveLength(1);
});

it('reports a leak of a registered secret without repeating the secret', () => {
  const key = 'registered-key-0123456789';
  registerSecret(key);
  checkText('log.warn', `failed for ${key}`);
  const leaks = takeLeaks();
  expect(leaks).toEqual(['log.warn: 12+ characters of a 25-character secret at offset 11']);
  expect(leaks.join()).not.toContain(key.slice(0, 12));
});
