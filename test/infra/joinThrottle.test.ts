import { readAppConfig } from '../../infra/config';
import { CONTEXT, synth } from '../support/stackTemplate';

const config = (context: Record<string, unknown>) =>
  readAppConfig((k) => ({ ...CONTEXT, ...context })[k as keyof typeof CONTEXT]);

describe('the join route throttle, derived from expectedLessonsPerMinute', () => {
  test('by default sized for 1,000 lessons on the hour: 300 requests/s, burst 600', () => {
    expect(config({})).toMatchObject({
      expectedLessonsPerMinute: 1000,
      joinRateLimit: 300,
      joinBurstLimit: 600,
    });
  });

  test('another platform size gives its own figures; an explicit joinRateLimit / joinBurstLimit wins', () => {
    expect(config({ expectedLessonsPerMinute: '200' })).toMatchObject({
      joinRateLimit: 60,
      joinBurstLimit: 120,
    });
    expect(config({ expectedLessonsPerMinute: '200', joinRateLimit: '7' })).toMatchObject({
      joinRateLimit: 7,
      joinBurstLimit: 14,
    });
    expect(config({ expectedLessonsPerMinute: '200', joinBurstLimit: '50' })).toMatchObject({
      joinRateLimit: 60,
      joinBurstLimit: 50,
    });
    expect(() => config({ expectedLessonsPerMinute: '0' })).toThrow(/expectedLessonsPerMinute/);
    expect(() => config({ joinRateLimit: '10001' })).toThrow(/joinRateLimit/);
  });

  test('the stage carries the derived figures on both join routes, and an explicit value wins there too', () => {
    const settings = (context: Record<string, unknown>) => {
      const [stage] = Object.values(synth(context).template!.findResources('AWS::ApiGatewayV2::Stage')) as {
        Properties: { RouteSettings: Record<string, unknown> };
      }[];
      return stage.Properties.RouteSettings;
    };
    const derived = { ThrottlingRateLimit: 60, ThrottlingBurstLimit: 120 };
    expect(settings({ expectedLessonsPerMinute: 200 })).toEqual({
      'GET /join/{token}': derived,
      'GET /join/assets/{file}': derived,
    });
    expect(settings({ expectedLessonsPerMinute: 200, joinRateLimit: 9, joinBurstLimit: 11 })).toMatchObject({
      'GET /join/{token}': { ThrottlingRateLimit: 9, ThrottlingBurstLimit: 11 },
    });
  });
});
