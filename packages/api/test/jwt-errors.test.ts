import t from 'tap';
import { rejectionFromJwtError } from '../src/auth/jwt-errors.ts';
import { TokenRejected } from '../src/auth/token-rejected.ts';

// test/auth.test.ts asserts the reason of every rejection the JWT library produces for real tokens;
// this covers what none of them can reach: an error the mapping does not know.
t.test('an error of the JWT library that no reason names is "unrecognised" and keeps the error', async (t) => {
  const folded = Object.assign(new Error('Authorization token is invalid: something new.'), {
    code: 'FST_JWT_AUTHORIZATION_TOKEN_INVALID',
  });
  const unknownCode = Object.assign(new Error('Untrusted authorization token'), {
    code: 'FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED',
  });
  for (const error of [folded, unknownCode, new Error('no code at all')]) {
    const rejection = rejectionFromJwtError(error);
    t.ok(rejection instanceof TokenRejected);
    t.equal(rejection.reason, 'unrecognised', error.message);
    t.equal(rejection.cause, error);
    t.equal(rejection.status, 401);
    t.equal(rejection.kind, 'unauthorized');
  }
});
