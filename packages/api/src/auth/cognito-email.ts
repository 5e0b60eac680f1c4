/**
 * The verified email of the user an access token belongs to, from Cognito's `GetUser`. Access tokens
 * carry no email claim, so without this every user's email stays null. `GetUser` is authorized by the
 * access token itself (no IAM), and is sent to the origin of the token's issuer, which the caller has
 * already checked against the allow-list: `https://cognito-idp.<region>.amazonaws.com` in AWS, the
 * emulator locally. Resolves null when the user has no email, or one whose `email_verified` attribute
 * is not "true" (an address nobody proved they own must not be shown to other users as theirs);
 * rejects on any failure. Tests run it against the local Cognito emulator; AWS's own endpoint is not
 * reached from tests.
 */
export async function cognitoVerifiedEmail(
  issuer: string,
  accessToken: string,
  timeoutMs = 2_000,
): Promise<string | null> {
  const response = await fetch(new URL('/', issuer), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.GetUser',
    },
    body: JSON.stringify({ AccessToken: accessToken }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`Cognito GetUser answered ${response.status}`);
  const body = (await response.json()) as { UserAttributes?: { Name?: string; Value?: string }[] };
  const attribute = (name: string) => body.UserAttributes?.find((candidate) => candidate.Name === name)?.Value;
  const email = attribute('email');
  return email !== undefined && attribute('email_verified') === 'true' ? email : null;
}
