import type { ApiDeps } from '../deps';
import type { ApiRequest, ApiResponse } from '../http';
import { ASSETS } from '../join/joinAssets';

/**
 * GET /join/assets/{file}: the join page's script and stylesheet. Their names carry a content hash, so each
 * is cached for a year; any other name is a plain 404.
 */
export async function joinAsset(
  _req: ApiRequest,
  _deps: ApiDeps,
  { file }: Record<string, string>,
): Promise<ApiResponse> {
  const asset = ASSETS.get(file);
  if (!asset) {
    return {
      statusCode: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
      body: 'not found\n',
    };
  }
  return {
    statusCode: 200,
    headers: {
      'content-type': asset.contentType,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    },
    body: asset.body,
  };
}
