import { signRequest } from '../../../smoke/sigv4';

// AWS's Signature Version 4 test suite: the credentials, date and region every example uses.
const SUITE = {
  region: 'us-east-1',
  service: 'service',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  signingDate: new Date('2015-08-30T12:36:00Z'),
};

describe('SigV4 signing of API requests', () => {
  test('"get-vanilla" of AWS\'s test suite gets AWS\'s published signature', async () => {
    const headers = await signRequest(
      { method: 'GET', url: new URL('https://example.amazonaws.com/'), headers: {} },
      SUITE,
    );
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
  });

  test('"get-vanilla-query-order-key-case": the query is sorted before signing', async () => {
    const url = new URL('https://example.amazonaws.com/?Param2=value2&Param1=value1');
    const headers = await signRequest({ method: 'GET', url, headers: {} }, SUITE);
    expect(headers.authorization).toMatch(
      /Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500$/,
    );
  });

  test("an API request is signed for execute-api in the API's region, with the session token and body", async () => {
    const headers = await signRequest(
      {
        method: 'POST',
        url: new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/meetings'),
        headers: { 'content-type': 'application/json', 'idempotency-key': 'smoke-1' },
        body: '{"teacherName":"Ada"}',
      },
      {
        region: 'eu-west-1',
        credentials: async () => ({ ...SUITE.credentials, sessionToken: 'TOKEN' }),
        signingDate: SUITE.signingDate,
      },
    );
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;idempotency-key;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-security-token']).toBe('TOKEN');
    expect(headers.host).toBe('abc123.execute-api.eu-west-1.amazonaws.com');
  });
});
