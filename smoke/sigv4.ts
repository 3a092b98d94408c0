import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** SHA-256 (an HMAC when given a key) in the shape the SDK's signer takes, on node:crypto. */
class Sha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Signs a request with Signature Version 4. An HTTP API with IAM authorization takes SigV4 requests signed for
 * the service `execute-api` in the API's region, from credentials allowed `execute-api:Invoke` ("Control access
 * to HTTP APIs with IAM authorization in API Gateway", API Gateway developer guide). `service` is a parameter
 * only so AWS's published test vectors can check the signing itself.
 */
export async function signRequest(
  req: SignableRequest,
  opts: {
    region: string;
    credentials: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);
    service?: string;
    signingDate?: Date;
  },
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: opts.service ?? 'execute-api',
    region: opts.region,
    credentials: opts.credentials,
    sha256: Sha256,
    // x-amz-content-sha256 is S3's header; API Gateway signs the payload hash without it, as AWS's test suite.
    applyChecksum: false,
  });
  const query: Record<string, string> = {};
  req.url.searchParams.forEach((v, k) => (query[k] = v));
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: req.url.protocol,
      hostname: req.url.hostname,
      port: req.url.port ? Number(req.url.port) : undefined,
      path: req.url.pathname,
      query,
      headers: { ...req.headers, host: req.url.host },
      body: req.body,
    },
    { signingDate: opts.signingDate },
  );
  return signed.headers;
}
