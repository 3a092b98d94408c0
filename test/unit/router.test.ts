import { matchRoute, type Route } from '../../functions/api/router';

describe('API router', () => {
  const noop = async () => ({ statusCode: 200, headers: {}, body: '' });
  const routes: Route[] = [
    { path: '/join/{token}', anonymous: true, methods: { GET: noop } },
    { path: '/join/assets/{file}', anonymous: true, methods: { GET: noop } },
    { path: '/meetings/{id}', methods: { GET: noop } },
  ];

  test('a {param} matches exactly one segment, percent-decoded', () => {
    expect(matchRoute(routes, '/meetings/a%2Fb')).toMatchObject({
      route: { path: '/meetings/{id}' },
      params: { id: 'a/b' },
    });
    expect(matchRoute(routes, '/meetings/a/b')).toBeUndefined();
  });

  test('literal segments tell routes of the same length apart, trailing slashes ignored', () => {
    expect(matchRoute(routes, '/join/assets/join.css/')?.route.path).toBe('/join/assets/{file}');
    expect(matchRoute(routes, '/join/x.y')?.params).toEqual({ token: 'x.y' });
    expect(matchRoute(routes, '/other/x')).toBeUndefined();
  });
});
